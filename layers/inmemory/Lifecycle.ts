import type { FieldScope } from "./FieldSet.ts"
import { asObject, asStringArray, cloneJson, deepEqual, type JsonObject } from "./Json.ts"
import { makeListTypes } from "./ListTypes.ts"
import { readEntries, trackUpdate } from "./ManagedFields.ts"
import type { ResourceDef } from "./ResourceTable.ts"
import { isDeleting, isNamespaceDef, metaOf, nameOf, put, remove, type Store } from "./Store.ts"

/** Object lifecycle rules shared by the API operations and the emulated controllers. */

export const versionOf = (object: JsonObject): string => {
  const apiVersion = String(object.apiVersion ?? "")
  return apiVersion.slice(apiVersion.indexOf("/") + 1)
}

/** Which fields a write to the main resource covers. */
export const mainScope = (def: ResourceDef): FieldScope => (def.hasStatus ? "main" : "all")

/** Whether anything outside metadata (and, with a status subresource, outside status) changed. */
export const specChanged = (def: ResourceDef, before: JsonObject, after: JsonObject): boolean => {
  const strip = (object: JsonObject): JsonObject => {
    const { apiVersion: _a, kind: _k, metadata: _m, status, ...rest } = object
    return def.hasStatus ? rest : { ...rest, status }
  }
  return !deepEqual(strip(before), strip(after))
}

/** Fields the server itself sets on every write (the Namespace's name label, phase, finalizer). */
export const withServerDefaults = (def: ResourceDef, object: JsonObject): JsonObject => {
  if (!isNamespaceDef(def)) return object
  const meta = metaOf(object)
  const spec = asObject(object.spec)
  const status = asObject(object.status)
  return {
    ...object,
    metadata: {
      ...meta,
      labels: { ...asObject(meta.labels), "kubernetes.io/metadata.name": nameOf(object) },
    },
    spec: { ...spec, finalizers: spec.finalizers ?? ["kubernetes"] },
    status: { ...status, phase: status.phase ?? "Active" },
  }
}

/** A write by a controller of the control plane (GC, namespace or CRD controller). */
export const systemWrite = (
  store: Store,
  def: ResourceDef,
  before: JsonObject,
  after: JsonObject,
  manager: string,
  subresource: "" | "status",
  now: string,
): JsonObject => {
  const managedFields = trackUpdate({
    before,
    after,
    entries: readEntries(before),
    manager,
    subresource,
    apiVersion: String(before.apiVersion),
    now,
    listTypes: makeListTypes(def, versionOf(before)),
    scope: subresource === "status" ? "status" : mainScope(def),
  })
  const meta = { ...metaOf(after) }
  if (managedFields.length > 0) meta.managedFields = managedFields
  else delete meta.managedFields
  return put(store, def, cloneJson({ ...after, metadata: meta }))
}

/**
 * Starts deleting an object as the API server does: a Namespace turns Terminating; an object
 * held by finalizers (its own or `extra`, from the propagation policy) gets deletionTimestamp;
 * anything else is removed at once. Returns the object as stored or as last seen.
 */
export const beginDelete = (
  store: Store,
  def: ResourceDef,
  object: JsonObject,
  now: string,
  extra: ReadonlyArray<string> = [],
): JsonObject => {
  if (isDeleting(object)) return object
  const meta = metaOf(object)
  const finalizers = [...asStringArray(meta.finalizers)]
  // The namespace controller, not the GC, finalizes a Namespace: propagation policies do not apply.
  for (const finalizer of isNamespaceDef(def) ? [] : extra)
    if (!finalizers.includes(finalizer)) finalizers.push(finalizer)
  const marked: JsonObject = {
    ...meta,
    deletionTimestamp: now,
    deletionGracePeriodSeconds: 0,
    ...(finalizers.length > 0 ? { finalizers } : {}),
    ...(def.generation && typeof meta.generation === "number"
      ? { generation: meta.generation + 1 }
      : {}),
  }
  if (isNamespaceDef(def))
    return put(store, def, {
      ...object,
      metadata: marked,
      status: { ...asObject(object.status), phase: "Terminating" },
    })
  if (finalizers.length === 0) return remove(store, def, object)
  return put(store, def, { ...object, metadata: marked })
}

/** Removes one finalizer as its controller would; the last one gone completes a deletion. */
export const dropFinalizer = (
  store: Store,
  def: ResourceDef,
  object: JsonObject,
  finalizer: string,
  manager: string,
  now: string,
): void => {
  const meta = { ...metaOf(object) }
  const finalizers = asStringArray(meta.finalizers).filter((name) => name !== finalizer)
  if (finalizers.length > 0) meta.finalizers = finalizers
  else delete meta.finalizers
  const next = { ...object, metadata: meta }
  if (isDeleting(object) && finalizers.length === 0) remove(store, def, next)
  else systemWrite(store, def, object, next, manager, "", now)
}
