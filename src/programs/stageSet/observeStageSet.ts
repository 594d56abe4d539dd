import { Effect, Option, Schema } from "effect"
import type { InvalidObject } from "../../../schemas/InvalidObject.ts"
import { decodeStageSet, StageSetStatus } from "../../../schemas/StageSet.ts"
import { RECONCILE_REQUESTED_AT, RECONCILE_STAGE } from "../../inventory/Labels.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import type { StageSetView } from "../StageSetView.ts"
import { unsupportedFields } from "../unsupportedFields.ts"
import { parseReconcileStage, type ReconcileStageRequest } from "./reconcileStageRequest.ts"

const decodeStatus = Schema.decodeUnknownOption(StageSetStatus)

/** A status nobody wrote yet, or one the Schema refuses (edited by hand): start afresh. */
const emptyStatus: StageSetStatus = {}

/**
 * The StageSet's stored status, decoded by its Schema. A status that does not decode is
 * treated as absent rather than failing the reconcile: the controller owns it and
 * overwrites it on its next write.
 */
export const statusOf = (object: KubeObject): StageSetStatus =>
  object.status === undefined
    ? emptyStatus
    : Option.getOrElse(decodeStatus(object.status), () => emptyStatus)

/**
 * `stages.metio.wtf/reconcile-stage`, while its request is not handled yet. In the
 * `<stage>@<token>` form it is handled once that stage's status records the token; in the
 * bare `<stage>` form (set together with a `requestedAt` token) once that token is echoed
 * to `status.lastHandledReconcileAt`, and without a token it holds until removed. The
 * annotation may stay after it was handled.
 */
const pendingStageRequest = (
  object: KubeObject,
  status: StageSetStatus,
): ReconcileStageRequest | undefined => {
  const annotations = object.metadata.annotations ?? {}
  const request = parseReconcileStage(annotations[RECONCILE_STAGE])
  if (request === undefined) return undefined
  if (request.token !== undefined)
    return status.stages?.find((s) => s.name === request.stage)?.lastHandledReconcileAt ===
      request.token
      ? undefined
      : request
  const token = annotations[RECONCILE_REQUESTED_AT]
  return token !== undefined && token === status.lastHandledReconcileAt ? undefined : request
}

/**
 * The StageSet's spec, decoded by its Schema (every offending field named), as the view
 * the programs read. The status is decoded on its own (`statusOf`), so a bad status never
 * makes a good spec invalid.
 */
export const viewOf = (object: KubeObject): Effect.Effect<StageSetView, InvalidObject> => {
  const { status: _status, ...withoutStatus } = object
  return Effect.map(decodeStageSet(withoutStatus), (decoded) => ({
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name,
    uid: object.metadata.uid,
    generation: object.metadata.generation,
    deleting: object.metadata.deletionTimestamp !== undefined,
    ...(decoded.spec.timeout === undefined ? {} : { timeout: decoded.spec.timeout }),
    ...(decoded.spec.onTimeout === undefined ? {} : { onTimeout: decoded.spec.onTimeout }),
    suspend: decoded.spec.suspend,
    ...(decoded.spec.serviceAccountName === undefined
      ? {}
      : { serviceAccountName: decoded.spec.serviceAccountName }),
    stages: decoded.spec.stages,
    ...(decoded.spec.dependsOn === undefined ? {} : { dependsOn: decoded.spec.dependsOn }),
    ...(decoded.spec.version === undefined ? {} : { version: decoded.spec.version }),
    ...(decoded.spec.kubeConfig === undefined ? {} : { kubeConfig: decoded.spec.kubeConfig }),
    reconcileStage: pendingStageRequest(object, statusOf(object)),
    unsupported: unsupportedFields(decoded.spec),
    deployedVersion: statusOf(object).version,
  }))
}
