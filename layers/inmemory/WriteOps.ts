import type { KubeObject, ObjectKey } from "../../src/kube/KubeObject.ts"
import { immutableViolation } from "./ImmutableFields.ts"
import { asStringArray, cloneJson, deepEqual, type JsonObject } from "./Json.ts"
import { mainScope, specChanged, versionOf, withServerDefaults } from "./Lifecycle.ts"
import { makeListTypes } from "./ListTypes.ts"
import { baseEntries, readEntries, trackUpdate } from "./ManagedFields.ts"
import {
  generatedName,
  keyOf,
  newUid,
  refuse,
  requireNamespace,
  requireWritableNamespace,
  resolve,
  type Target,
  validate,
} from "./Resolve.ts"
import { preferredApiVersion } from "./ResourceTable.ts"
import {
  alreadyExists,
  badRequest,
  invalid,
  notFound,
  staleConflict,
  uidPrecondition,
  unknownResource,
} from "./ServerErrors.ts"
import { isDeleting, lookup, metaOf, put, remove, type Store } from "./Store.ts"

/** create, update (PUT) and updateStatus, plus the commit step every write shares. */

export interface OpContext {
  readonly store: Store
  /** RFC 3339, from the Effect Clock. */
  readonly now: string
  /** The field manager recorded for create/update/updateStatus. */
  readonly fieldManager: string
}

export interface WriteOutcome {
  readonly target: Target
  readonly object: JsonObject
  readonly key: ObjectKey
  readonly changed: boolean
}

/** Stores `next` unless it equals `existing`; a dying object whose last finalizer went is removed. */
export const commit = (
  ctx: OpContext,
  target: Target,
  existing: JsonObject | undefined,
  next: JsonObject,
): WriteOutcome => {
  // Stored at the preferred version, like etcd at the storage version; reads convert back.
  // Operations build `next` from copies of the caller's input and from stored (never mutated)
  // objects, so it can be stored as is.
  const clean = { ...next, apiVersion: preferredApiVersion(target.def) }
  if (existing !== undefined && deepEqual(existing, clean))
    return { target, object: existing, key: keyOf(target, existing), changed: false }
  const stored =
    isDeleting(clean) && asStringArray(metaOf(clean).finalizers).length === 0
      ? remove(ctx.store, target.def, clean)
      : put(ctx.store, target.def, clean)
  return { target, object: stored, key: keyOf(target, stored), changed: true }
}

/** Preconditions a PUT carries: `metadata.resourceVersion` and `metadata.uid`. */
export const checkPreconditions = (
  target: Target,
  incoming: KubeObject,
  existing: JsonObject,
): void => {
  const live = metaOf(existing)
  const { resourceVersion, uid, name } = incoming.metadata
  if (uid !== undefined && uid !== "" && uid !== live.uid)
    refuse(uidPrecondition(target.def, name, uid, String(live.uid), target.request))
  if (
    resourceVersion !== undefined &&
    resourceVersion !== "" &&
    resourceVersion !== live.resourceVersion
  )
    refuse(staleConflict(target.def, name, target.request))
}

export const createObject = (ctx: OpContext, input: KubeObject): WriteOutcome => {
  const target = resolve(ctx.store, input.apiVersion, input.kind, "POST", input.metadata.namespace)
  const object = cloneJson(input) as unknown as JsonObject
  const meta = { ...metaOf(object) }
  const name =
    (meta.name === undefined || meta.name === "") &&
    typeof meta.generateName === "string" &&
    meta.generateName !== ""
      ? generatedName(meta.generateName)
      : String(meta.name ?? "")
  if (name === "")
    refuse(
      invalid(
        target.def,
        "",
        "metadata.name: Required value: name or generateName is required",
        target.request,
      ),
    )
  requireNamespace(target, name)
  if (typeof meta.resourceVersion === "string" && meta.resourceVersion !== "")
    refuse(badRequest("resourceVersion should not be set on objects to be created", target.request))
  if (lookup(ctx.store, target.def, target.namespace, name) !== undefined)
    refuse(alreadyExists(target.def, name, target.request))
  requireWritableNamespace(ctx.store, target, name)
  for (const field of [
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "resourceVersion",
    "managedFields",
  ])
    delete meta[field]
  meta.name = name
  if (target.def.namespaced) meta.namespace = target.namespace
  else delete meta.namespace
  meta.uid = newUid()
  meta.creationTimestamp = ctx.now
  if (target.def.generation) meta.generation = 1
  else delete meta.generation
  let next: JsonObject = {
    ...object,
    apiVersion: target.apiVersion,
    kind: target.def.kind,
    metadata: meta,
  }
  if (target.def.hasStatus) delete next.status
  next = withServerDefaults(target.def, next)
  validate(target, undefined, next)
  const managedFields = trackUpdate({
    before: undefined,
    after: next,
    entries: baseEntries({}, object),
    manager: ctx.fieldManager,
    subresource: "",
    apiVersion: target.apiVersion,
    now: ctx.now,
    listTypes: makeListTypes(target.def, versionOf(next)),
    scope: mainScope(target.def),
  })
  if (managedFields.length > 0) next = { ...next, metadata: { ...metaOf(next), managedFields } }
  return commit(ctx, target, undefined, next)
}

const requireExisting = (ctx: OpContext, target: Target, name: string): JsonObject =>
  lookup(ctx.store, target.def, target.namespace, name) ??
  refuse(notFound(target.def, name, target.request))

export const updateObject = (ctx: OpContext, input: KubeObject): WriteOutcome => {
  const { name, namespace } = input.metadata
  const target = resolve(ctx.store, input.apiVersion, input.kind, "PUT", namespace, name)
  const existing = requireExisting(ctx, target, name)
  checkPreconditions(target, input, existing)
  const incoming = cloneJson(input) as unknown as JsonObject
  const live = metaOf(existing)
  const meta: JsonObject = { ...metaOf(incoming) }
  for (const field of [
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "resourceVersion",
  ])
    meta[field] = live[field]
  meta.namespace = live.namespace
  delete meta.managedFields
  let next: JsonObject = {
    ...incoming,
    apiVersion: target.apiVersion,
    kind: target.def.kind,
    metadata: meta,
  }
  if (target.def.hasStatus) next.status = existing.status
  next = withServerDefaults(target.def, cloneJson(next))
  validate(target, existing, next)
  const violation = immutableViolation(target.def, existing, next)
  if (violation !== undefined) refuse(invalid(target.def, name, violation, target.request))
  const nextMeta = metaOf(next)
  if (target.def.generation && specChanged(target.def, existing, next))
    nextMeta.generation = Number(live.generation ?? 0) + 1
  const managedFields = trackUpdate({
    before: existing,
    after: next,
    entries: baseEntries(existing, incoming),
    manager: ctx.fieldManager,
    subresource: "",
    apiVersion: target.apiVersion,
    now: ctx.now,
    listTypes: makeListTypes(target.def, versionOf(next)),
    scope: mainScope(target.def),
  })
  nextMeta.managedFields = managedFields.length > 0 ? managedFields : undefined
  return commit(ctx, target, existing, next)
}

export const updateStatusObject = (ctx: OpContext, input: KubeObject): WriteOutcome => {
  const { name, namespace } = input.metadata
  const target = resolve(ctx.store, input.apiVersion, input.kind, "PUT", namespace, name, "status")
  if (!target.def.hasStatus) refuse(unknownResource(target.request))
  const existing = requireExisting(ctx, target, name)
  checkPreconditions(target, input, existing)
  const next: JsonObject = cloneJson({ ...existing, status: cloneJson(input.status) })
  const managedFields = trackUpdate({
    before: existing,
    after: next,
    entries: readEntries(existing),
    manager: ctx.fieldManager,
    subresource: "status",
    apiVersion: target.apiVersion,
    now: ctx.now,
    listTypes: makeListTypes(target.def, versionOf(next)),
    scope: "status",
  })
  metaOf(next).managedFields = managedFields.length > 0 ? managedFields : undefined
  return commit(ctx, target, existing, next)
}
