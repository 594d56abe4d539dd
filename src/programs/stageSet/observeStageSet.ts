import { Effect, Option, Schema } from "effect"
import type { InvalidObject } from "../../../schemas/InvalidObject.ts"
import { decodeStageSet, StageSetStatus } from "../../../schemas/StageSet.ts"
import { RECONCILE_REQUESTED_AT, RECONCILE_STAGE } from "../../inventory/Labels.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import type { StageSetView } from "../StageSetView.ts"
import { unsupportedFields } from "../unsupportedFields.ts"

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
 * `stages.metio.wtf/reconcile-stage`, while its request is not handled yet: `stagesetctl
 * reconcile --stage` sets it together with a `requestedAt` token, and once that token is
 * echoed to `status.lastHandledReconcileAt` the request is done (the annotation may stay).
 * Without a token it holds until removed.
 */
const pendingStageRequest = (object: KubeObject, status: StageSetStatus): string | undefined => {
  const annotations = object.metadata.annotations ?? {}
  const stage = annotations[RECONCILE_STAGE]
  const token = annotations[RECONCILE_REQUESTED_AT]
  return stage === undefined || (token !== undefined && token === status.lastHandledReconcileAt)
    ? undefined
    : stage
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
    suspend: decoded.spec.suspend,
    ...(decoded.spec.serviceAccountName === undefined
      ? {}
      : { serviceAccountName: decoded.spec.serviceAccountName }),
    stages: decoded.spec.stages,
    reconcileStage: pendingStageRequest(object, statusOf(object)),
    unsupported: unsupportedFields(decoded.spec),
  }))
}
