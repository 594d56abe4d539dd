import type { ApplyOptions } from "../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"
import { applyMerge, conflictMessage } from "./ApplyMerge.ts"
import { immutableViolation } from "./ImmutableFields.ts"
import { cloneJson, type JsonObject } from "./Json.ts"
import { mainScope, specChanged, withServerDefaults } from "./Lifecycle.ts"
import { makeListTypes } from "./ListTypes.ts"
import {
  keyOf,
  newUid,
  refuse,
  requireNamespace,
  requireWritableNamespace,
  resolve,
  validate,
} from "./Resolve.ts"
import {
  applyConflict,
  badRequest,
  invalid,
  staleConflict,
  uidPrecondition,
} from "./ServerErrors.ts"
import { lookup, metaOf } from "./Store.ts"
import { commit, type OpContext, type WriteOutcome } from "./WriteOps.ts"

/** Server-side apply (PATCH application/apply-patch+yaml), create-on-apply included. */

/** Metadata an applied configuration cannot set; the server keeps its own values. */
const serverMetadata = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
  "generateName",
]

export const applyObject = (
  ctx: OpContext,
  input: KubeObject,
  options: ApplyOptions,
): WriteOutcome => {
  const { name, namespace, resourceVersion, uid } = input.metadata
  const target = resolve(ctx.store, input.apiVersion, input.kind, "PATCH", namespace, name)
  if (name === undefined || name === "")
    refuse(badRequest("resource name may not be empty", target.request))
  if (options.fieldManager === "")
    refuse(
      badRequest(
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        target.request,
      ),
    )
  requireNamespace(target, name)
  const existing = lookup(ctx.store, target.def, target.namespace, name)
  const live = existing === undefined ? undefined : metaOf(existing)
  if (live !== undefined && uid !== undefined && uid !== "" && uid !== live.uid)
    refuse(uidPrecondition(target.def, name, uid, String(live.uid), target.request))
  if (
    resourceVersion !== undefined &&
    resourceVersion !== "" &&
    resourceVersion !== live?.resourceVersion
  )
    refuse(staleConflict(target.def, name, target.request))
  if (existing === undefined) requireWritableNamespace(ctx.store, target, name)

  const config = cloneJson(input) as unknown as JsonObject
  const configMeta = { ...metaOf(config) }
  for (const field of serverMetadata) delete configMeta[field]
  if (target.def.namespaced) configMeta.namespace = target.namespace
  else delete configMeta.namespace
  config.metadata = configMeta
  if (target.def.hasStatus) delete config.status
  const skeleton: JsonObject = {
    apiVersion: target.apiVersion,
    kind: target.def.kind,
    metadata: { name, ...(target.def.namespaced ? { namespace: target.namespace } : {}) },
  }
  const result = applyMerge({
    live: existing ?? skeleton,
    exists: existing !== undefined,
    config,
    manager: options.fieldManager,
    force: options.force,
    apiVersion: target.apiVersion,
    now: ctx.now,
    listTypes: makeListTypes(
      target.def,
      target.apiVersion.slice(target.apiVersion.indexOf("/") + 1),
    ),
    scope: mainScope(target.def),
  })
  if (result._tag === "Conflicts")
    return refuse(applyConflict(conflictMessage(result.conflicts), target.request))

  let next: JsonObject = { ...result.object, apiVersion: target.apiVersion, kind: target.def.kind }
  const meta = { ...metaOf(next) }
  if (existing === undefined) {
    meta.uid = newUid()
    meta.creationTimestamp = ctx.now
    if (target.def.generation) meta.generation = 1
  }
  next = withServerDefaults(target.def, { ...next, metadata: meta })
  validate(target, existing, next)
  if (existing !== undefined) {
    const violation = immutableViolation(target.def, existing, next)
    if (violation !== undefined) refuse(invalid(target.def, name, violation, target.request))
    if (target.def.generation && specChanged(target.def, existing, next))
      next = {
        ...next,
        metadata: { ...metaOf(next), generation: Number(live?.generation ?? 0) + 1 },
      }
  }
  if (options.dryRun === true)
    return { target, object: cloneJson(next), key: keyOf(target, next), changed: false }
  return commit(ctx, target, existing, next)
}
