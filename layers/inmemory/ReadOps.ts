import { Either, Order } from "effect"
import type { ListOptions } from "../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey, ObjectList } from "../../src/kube/KubeObject.ts"
import { type FieldSelector, matchesFields, parseFieldSelector } from "./FieldSelector.ts"
import type { JsonObject } from "./Json.ts"
import {
  type LabelSelector,
  type Labels,
  matchesLabels,
  parseLabelSelector,
} from "./LabelSelector.ts"
import { present, refuse, resolve, type Target } from "./Resolve.ts"
import { badRequest, notFound } from "./ServerErrors.ts"
import { lookup, metaOf, nameOf, namespaceOf, objectsOf, type Store } from "./Store.ts"

/** get and list, and the selection logic list and watch share. */

export const getObject = (store: Store, key: ObjectKey): KubeObject => {
  const target = resolve(store, key.apiVersion, key.kind, "GET", key.namespace, key.name)
  const object =
    lookup(store, target.def, target.namespace, key.name) ??
    refuse(notFound(target.def, key.name, target.request))
  return present(object, target.apiVersion)
}

export interface Selection {
  readonly target: Target
  /** Undefined: every namespace. */
  readonly namespace: string | undefined
  readonly labels: LabelSelector
  readonly fields: FieldSelector
}

export const select = (
  store: Store,
  kind: { readonly apiVersion: string; readonly kind: string },
  options: ListOptions | undefined,
  method: string,
): Selection => {
  const target = resolve(store, kind.apiVersion, kind.kind, method, options?.namespace)
  const labels = parseLabelSelector(options?.labelSelector ?? "")
  if (Either.isLeft(labels)) return refuse(badRequest(labels.left, target.request))
  const fields = parseFieldSelector(options?.fieldSelector ?? "")
  if (Either.isLeft(fields)) return refuse(badRequest(fields.left, target.request))
  const namespace = target.def.namespaced && options?.namespace ? options.namespace : undefined
  return { target, namespace, labels: labels.right, fields: fields.right }
}

export const selects = (selection: Selection, object: JsonObject | undefined): boolean => {
  if (object === undefined) return false
  const namespace = namespaceOf(object)
  if (selection.namespace !== undefined && namespace !== selection.namespace) return false
  const meta = metaOf(object)
  return (
    matchesLabels(selection.labels, meta.labels as Labels | undefined) &&
    matchesFields(selection.fields, { name: nameOf(object), namespace })
  )
}

const byLocation = (a: JsonObject, b: JsonObject): number => {
  const ka = `${namespaceOf(a)}/${nameOf(a)}`
  const kb = `${namespaceOf(b)}/${nameOf(b)}`
  return Order.string(ka, kb)
}

/** Matching objects ordered by namespace and name, as etcd's key order returns them. */
export const selectObjects = (store: Store, selection: Selection): ReadonlyArray<JsonObject> =>
  objectsOf(store, selection.target.def)
    .filter((object) => selects(selection, object))
    .sort(byLocation)

/**
 * What a metadata-only list or watch returns of an object (the server's
 * PartialObjectMetadata): its type, as presented, and its whole `metadata`.
 */
export const metadataView = (object: KubeObject): KubeObject => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  metadata: object.metadata,
})

export const listObjects = (
  store: Store,
  kind: { readonly apiVersion: string; readonly kind: string },
  options: ListOptions | undefined,
): ObjectList => {
  const selection = select(store, kind, options, "GET")
  return {
    items: selectObjects(store, selection).map((object) => {
      const presented = present(object, selection.target.apiVersion)
      return options?.metadataOnly ? metadataView(presented) : presented
    }),
    resourceVersion: String(store.rv),
  }
}
