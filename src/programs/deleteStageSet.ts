import { Effect } from "effect"
import { FINALIZER } from "../inventory/Labels.ts"
import { ActingClient } from "../kube/ActingClient.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { AppliedCache } from "./AppliedCache.ts"
import { failureOf } from "./failureReason.ts"
import { teardown } from "./phases/teardown.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import { type ReconcileReport, reportOf } from "./ReconcileReport.ts"
import type { StageSetKey } from "./stageSet/StageSetKey.ts"
import type { StatusWriter } from "./stageSet/statusWriter.ts"
import { removeFinalizer } from "./stageSet/writeStageSet.ts"

/**
 * A StageSet being deleted (semantics.md section 1, step 1 and section 5): tear its stages
 * down, then let it go by removing our finalizer. A failed teardown is written to status
 * and retried by the caller's requeue.
 */
export const deleteStageSet = Effect.fn("deleteStageSet")(function* (
  key: StageSetKey,
  live: KubeObject,
  status: StatusWriter,
) {
  const config = yield* ReconcileConfig
  // Teardown deletes the members; nothing of the fast path's memory stays true.
  yield* Effect.flatMap(AppliedCache, (cache) => cache.forgetStageSet(key.namespace, key.name))
  if (!(live.metadata.finalizers ?? []).includes(FINALIZER))
    return reportOf({ _tag: "Deleted" }) satisfies ReconcileReport
  // Teardown still acts with the controller's own rights; the tenancy rules of
  // semantics.md section 9 bind ActingClient to the StageSet's identity here.
  const kube = yield* KubeClient
  const events = yield* teardown({
    namespace: key.namespace,
    name: key.name,
    stageTimeout: () => config.deleteTimeout,
    concurrency: config.applyConcurrency,
  }).pipe(
    Effect.provideService(ActingClient, kube),
    Effect.tapError((error) =>
      status
        .write({
          outcome: {
            _tag: "Failed",
            failure:
              error._tag === "TeardownFailed"
                ? { ...failureOf(error), message: `stage ${error.stage}: ${error.message}` }
                : failureOf(error),
          },
          stages: status.previous.stages ?? [],
          inventoryMode: undefined,
        })
        .pipe(Effect.ignore),
    ),
  )
  yield* removeFinalizer(key)
  return reportOf({ _tag: "Deleted" }, events) satisfies ReconcileReport
})
