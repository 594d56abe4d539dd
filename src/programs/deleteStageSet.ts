import { Duration, Effect, Either } from "effect"
import { FINALIZER } from "../inventory/Labels.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { verifyTimeout } from "../readiness/timeoutLadder.ts"
import { AppliedCache } from "./AppliedCache.ts"
import { connectTarget } from "./connectTarget.ts"
import { failureOf } from "./failureReason.ts"
import { teardown } from "./phases/teardown.ts"
import { teardownUnreachable } from "./phases/teardownUnreachable.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import { type ReconcileReport, reportOf } from "./ReconcileReport.ts"
import { storedModeReport } from "./stageSet/modeReport.ts"
import { viewOf } from "./stageSet/observeStageSet.ts"
import type { StageSetKey } from "./stageSet/StageSetKey.ts"
import type { StatusWriter } from "./stageSet/statusWriter.ts"
import { teardownIdentity } from "./stageSet/teardownIdentity.ts"
import { removeFinalizer } from "./stageSet/writeStageSet.ts"
import { TargetCluster } from "./TargetCluster.ts"

/**
 * A StageSet being deleted (semantics.md section 1, step 1 and section 5): tear its stages
 * down, then let it go by removing our finalizer. A stage that cannot be torn down holds
 * the teardown with Ready=False/TeardownFailed (and a Warning Event) and is retried by the
 * caller's requeue; the Events of the stages before it are reported all the same.
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
  // How long a stage's objects may take to go: its verify timeout ladder as the spec has it
  // now (a stage no longer in it gets spec.timeout or the default), at most
  // --max-teardown-wait.
  const spec = Either.getOrUndefined(yield* Effect.either(viewOf(live)))
  const stageTimeout = (stage: string) =>
    Duration.min(
      verifyTimeout(
        spec ?? {},
        spec?.stages.find((s) => s.name === stage) ?? {},
        config.defaultTimeout,
      ),
      config.maxTeardownWait,
    )
  const identity = teardownIdentity(live)
  // The objects are where the StageSet applied them: a remote cluster that cannot be reached
  // holds the teardown (and the finalizer) unless nothing is recorded to delete there.
  const connected = yield* Effect.either(connectTarget(identity))
  const result =
    connected._tag === "Right"
      ? yield* teardown({
          namespace: key.namespace,
          name: key.name,
          identity,
          stageTimeout,
          concurrency: config.applyConcurrency,
        }).pipe(Effect.provideService(TargetCluster, connected.right))
      : yield* teardownUnreachable(key, connected.left)
  if (result.failure !== undefined) {
    const cause = failureOf(result.failure)
    const failure = { ...cause, message: `stage ${result.failure.stage}: ${cause.message}` }
    yield* status
      .write({
        outcome: { _tag: "Failed", failure },
        stages: status.previous.stages ?? [],
        inventoryMode: yield* storedModeReport(key.namespace, key.name),
      })
      .pipe(Effect.ignore)
    return reportOf({ _tag: "Failed", failure }, [
      ...result.events,
      { type: "Warning", reason: failure.reason, message: failure.message },
    ]) satisfies ReconcileReport
  }
  yield* removeFinalizer(key)
  return reportOf({ _tag: "Deleted" }, result.events) satisfies ReconcileReport
  // The scope holds the remote client (if any) for the teardown.
}, Effect.scoped)
