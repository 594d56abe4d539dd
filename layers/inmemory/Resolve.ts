import { randomUUID } from "node:crypto"
import type { KubeError } from "../../src/kube/KubeError.ts"
import type { KubeObject, ObjectKey } from "../../src/kube/KubeObject.ts"
import { asObject, asStringArray, cloneJson, type JsonObject } from "./Json.ts"
import { findServed, type ResourceDef } from "./ResourceTable.ts"
import {
  invalid,
  namespaceNotFound,
  requestLine,
  terminatingCrd,
  terminatingNamespace,
  unknownResource,
} from "./ServerErrors.ts"
import { isDeleting, lookup, metaOf, nameOf, namespaceOf, type Store } from "./Store.ts"

/**
 * Shared steps of the API operations. Operations run synchronously inside one `Effect.sync`;
 * they refuse a request by throwing its KubeError (caught once, in Client.ts) and mutate the
 * store only after every check passed, so a refused call changes nothing.
 */

export const refuse = (error: KubeError): never => {
  throw error
}

export interface Target {
  readonly def: ResourceDef
  readonly apiVersion: string
  /** Empty for cluster-scoped kinds, whatever the caller sent. */
  readonly namespace: string
  readonly request: string
}

/** Finds how a kind is served and the request line for errors; unknown kinds are a 404. */
export const resolve = (
  store: Store,
  apiVersion: string,
  kind: string,
  method: string,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): Target => {
  const def = findServed(store.table, apiVersion, kind)
  if (def === undefined) {
    const guess = `${kind.toLowerCase()}s`
    return refuse(
      unknownResource(requestLine(method, apiVersion, guess, namespace, name, subresource)),
    )
  }
  const scoped = def.namespaced ? (namespace ?? "") : ""
  return {
    def,
    apiVersion,
    namespace: scoped,
    request: requestLine(method, apiVersion, def.plural, scoped, name, subresource),
  }
}

/** New content needs an existing namespace that is not terminating (NamespaceLifecycle). */
export const requireWritableNamespace = (store: Store, target: Target, name: string): void => {
  if (!target.def.namespaced) return
  const namespaceDef = store.table.defs.get("/Namespace")
  const namespace = namespaceDef && lookup(store, namespaceDef, "", target.namespace)
  if (namespace === undefined) refuse(namespaceNotFound(target.namespace, target.request))
  else if (isDeleting(namespace))
    refuse(terminatingNamespace(target.def, name, target.namespace, target.request))
  const crdDef = store.table.defs.get("apiextensions.k8s.io/CustomResourceDefinition")
  const crd = target.def.crdName && crdDef && lookup(store, crdDef, "", target.def.crdName)
  if (crd && isDeleting(crd)) refuse(terminatingCrd(target.request))
}

export const requireNamespace = (target: Target, name: string): void => {
  if (target.def.namespaced && target.namespace === "")
    refuse(invalid(target.def, name, "metadata.namespace: Required value", target.request))
}

/** Validation the in-memory server does beyond immutability: CRD names, finalizers of the dying. */
export const validate = (
  target: Target,
  before: JsonObject | undefined,
  after: JsonObject,
): void => {
  const def = target.def
  if (def.group === "apiextensions.k8s.io" && def.kind === "CustomResourceDefinition") {
    const spec = asObject(after.spec)
    const expected = `${String(asObject(spec.names).plural)}.${String(spec.group)}`
    if (nameOf(after) !== expected)
      refuse(
        invalid(
          def,
          nameOf(after),
          `metadata.name: Invalid value: "${nameOf(after)}": must be spec.names.plural+"."+spec.group`,
          target.request,
        ),
      )
  }
  if (before !== undefined && isDeleting(before)) {
    const old = asStringArray(metaOf(before).finalizers)
    const added = asStringArray(metaOf(after).finalizers).filter((f) => !old.includes(f))
    if (added.length > 0)
      refuse(
        invalid(
          def,
          nameOf(after),
          `metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
          target.request,
        ),
      )
  }
}

const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

export const generatedName = (prefix: string): string => {
  let suffix = ""
  for (let i = 0; i < 5; i++)
    suffix += nameAlphabet[Math.floor(Math.random() * nameAlphabet.length)]
  return `${prefix}${suffix}`
}

export const newUid = (): string => randomUUID()

/** A deep copy addressed at the requested version, as the server returns objects. */
export const present = (object: JsonObject, apiVersion: string): KubeObject =>
  ({ ...cloneJson(object), apiVersion }) as unknown as KubeObject

export const keyOf = (target: Target, object: JsonObject): ObjectKey => {
  const namespace = target.def.namespaced ? namespaceOf(object) : ""
  return {
    apiVersion: target.apiVersion,
    kind: target.def.kind,
    ...(namespace === "" ? {} : { namespace }),
    name: nameOf(object),
  }
}
