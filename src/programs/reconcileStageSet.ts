import { Effect } from "effect"
import type { StageSetStatus, StageStatus } from "../../schemas/StageSet.ts"
import { checkShardNames, MAX_LABEL_VALUE_LENGTH } from "../inventory/ShardName.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import { withRequestOwner } from "../kube/RequestOwner.ts"
import { AppliedCache } from "./AppliedCache.ts"
import { connectTarget } from "./connectTarget.ts"
import { deleteStageSet } from "./deleteStageSet.ts"
import { checkDependencies } from "./dependsOn/checkDependencies.ts"
import { InvalidSpec } from "./errors/InvalidSpec.ts"
import { Unsupported } from "./errors/Unsupported.ts"
import { type Failure, failureOf } from "./failureReason.ts"
import { prepareRun } from "./prepareRun.ts"
import type { ReconcileReport } from "./ReconcileReport.ts"
import { reportOf } from "./ReconcileReport.ts"
import type { RenderedStage } from "./RenderedStage.ts"
import type { RunEvent } from "./RunEvent.ts"
import { runStageSet } from "./runStageSet.ts"
import type { StageSetView } from "./StageSetView.ts"
import { modeReport, storedModeReport } from "./stageSet/modeReport.ts"
import { viewOf } from "./stageSet/observeStageSet.ts"
import { type StageSetKey, stageSetKey } from "./stageSet/StageSetKey.ts"
import { makeStatusWriter } from "./stageSet/statusWriter.ts"
import { ensureFinalizer, latestStageSet } from "./stageSet/writeStageSet.ts"
import { TargetCluster } from "./TargetCluster.ts"

export type { ReconcileOutcome, ReconcileReport } from "./ReconcileReport.ts"

/** Names the controller derives must fit: label values (63) and shard names (253). */
const checkNames = (view: StageSetView): InvalidSpec | undefined => {
  if (view.name.length > MAX_LABEL_VALUE_LENGTH)
    return new InvalidSpec({
      message: `metadata.name: a StageSet name is used as a label value and must be at most ${MAX_LABEL_VALUE_LENGTH} characters`,
    })
  for (const [i, stage] of view.stages.entries()) {
    const problem = checkShardNames(view.name, stage.name)
    if (problem !== undefined)
      return new InvalidSpec({ message: `spec.stages[${i}].name: ${problem}` })
  }
  return undefined
}

/** Whether the stored Ready condition already says True/Succeeded. */
const wasSucceeded = (previous: StageSetStatus) =>
  (previous.conditions ?? []).some(
    (c) => c.type === "Ready" && c.status === "True" && c.reason === "Succeeded",
  )

/**
 * In steady state (same generation and revisions, Ready) the walk's phase changes are not
 * written: a no-op reconcile must write nothing at all.
 */
const isSteady = (
  previous: StageSetStatus,
  generation: number | undefined,
  view: StageSetView,
  rendered: ReadonlyArray<RenderedStage>,
) =>
  (previous.conditions ?? []).some(
    (c) => c.type === "Ready" && c.status === "True" && c.observedGeneration === generation,
  ) &&
  view.reconcileStage === undefined &&
  rendered.every((r) =>
    (previous.stages ?? []).some(
      (s) => s.name === r.stage.name && s.appliedRevision === r.revision,
    ),
  )

/**
 * One reconcile of a StageSet, level-based (semantics.md section 1): read it, tear it
 * down if it is being deleted, otherwise make sure of the finalizer, honour suspend,
 * render every stage before any write, refuse inventory-name collisions, walk the stages,
 * prune, and write status only when it changed. Its API requests wait for the token bucket
 * in the StageSet's own line, so runs of other StageSets take turns with it
 * (`kube/fairTokenBucket.ts`).
 */
export const reconcileStageSet = (key: StageSetKey) =>
  withRequestOwner(`${key.namespace}/${key.name}`)(reconcile(key))

const reconcile = Effect.fn("reconcileStageSet")(function* (key: StageSetKey) {
  const kube = yield* KubeClient
  const live = yield* kube
    .get(stageSetKey(key))
    .pipe(Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)))
  if (live === undefined) {
    yield* Effect.flatMap(AppliedCache, (cache) => cache.forgetStageSet(key.namespace, key.name))
    return reportOf({ _tag: "NotFound" }) satisfies ReconcileReport
  }
  // Writes to the StageSet start from what this reconcile last saw of it (no GET before each).
  const latest = yield* latestStageSet(live)
  const status = makeStatusWriter(key, live, latest)
  const previousStages = status.previous.stages ?? []
  if (live.metadata.deletionTimestamp !== undefined) return yield* deleteStageSet(key, live, status)

  const fail = (failure: Failure, stages: ReadonlyArray<StageStatus>) =>
    Effect.as(
      Effect.flatMap(storedModeReport(key.namespace, key.name), (inventoryMode) =>
        status.write({ outcome: { _tag: "Failed", failure }, stages, inventoryMode }),
      ),
      reportOf({ _tag: "Failed", failure }, [
        {
          // Waiting for a dependency is no fault (Flux reports it at info severity too).
          type: failure.reason === "DependencyNotReady" ? "Normal" : "Warning",
          reason: failure.reason,
          message: failure.message,
        },
      ]) satisfies ReconcileReport,
    )

  const decoded = yield* Effect.either(viewOf(live))
  if (decoded._tag === "Left") return yield* fail(failureOf(decoded.left), previousStages)
  const view = decoded.right
  // Before the finalizer and any read of sources: an Unsupported StageSet applies and
  // prunes nothing, exactly like one whose spec does not decode.
  if (view.unsupported.length > 0)
    return yield* fail(failureOf(new Unsupported({ fields: view.unsupported })), previousStages)

  yield* ensureFinalizer(key, latest)
  if (view.suspend) {
    yield* status.write({
      outcome: { _tag: "Suspended" },
      stages: previousStages,
      inventoryMode: yield* storedModeReport(key.namespace, key.name),
    })
    return reportOf({ _tag: "Suspended" }) satisfies ReconcileReport
  }
  const badName = checkNames(view)
  if (badName !== undefined) return yield* fail(failureOf(badName), previousStages)
  // Nothing is read from the sources, applied or pruned until every dependency is Ready.
  const held = yield* Effect.either(checkDependencies(view))
  if (held._tag === "Left") return yield* fail(failureOf(held.left), previousStages)

  // The cluster the objects go to (this one, or spec.kubeConfig's), reached before any render:
  // discovery is the target's. A target that cannot be used applies and prunes nothing.
  const connected = yield* Effect.either(connectTarget(view))
  if (connected._tag === "Left") return yield* fail(failureOf(connected.left), previousStages)
  const onTarget = Effect.provideService(TargetCluster, connected.right)

  const prepared = yield* Effect.either(prepareRun(view)).pipe(onTarget)
  if (prepared._tag === "Left") return yield* fail(failureOf(prepared.left), previousStages)
  const { rendered, records, removed, events: repairs, version } = prepared.right

  const steady = isSteady(status.previous, live.metadata.generation, view, rendered)
  // The run's pinned revisions, keyed as the Go implementation keys them.
  const pinned = Object.fromEntries(rendered.map((r) => [r.revisionOf, r.revision]))
  // Record intent keeps each record's mode annotation, so the stored mode holds all walk long.
  const inventoryMode = yield* modeReport([...records.values()])
  const report = (stages: ReadonlyArray<StageStatus>) =>
    steady
      ? Effect.void
      : status
          .write({ outcome: { _tag: "Running" }, stages, inventoryMode, pinned })
          .pipe(Effect.ignore, Effect.provideService(KubeClient, kube))

  const run = yield* runStageSet(view, rendered, records, removed, previousStages, report).pipe(
    onTarget,
  )
  const readyMessage = `${rendered.length} stages applied`
  yield* status.write({
    outcome:
      run.failure === undefined
        ? { _tag: "Ready", message: readyMessage }
        : { _tag: "Failed", failure: run.failure },
    stages: run.stages,
    inventoryMode: run.inventoryMode,
    pinned,
    version,
  })
  const events: Array<RunEvent> = [...repairs, ...run.events]
  // Each transition to Ready, as the Go implementation reports it: notification-controller
  // alerts route on this reason.
  if (run.failure === undefined && !wasSucceeded(status.previous))
    events.push({ type: "Normal", reason: "Succeeded", message: readyMessage })
  if (run.failure === undefined)
    for (const r of rendered) {
      const before = previousStages.find((s) => s.name === r.stage.name)
      if (before?.appliedRevision !== r.revision)
        events.push({
          type: "Normal",
          reason: "StageApplied",
          message: `stage ${r.stage.name}: applied ${r.members.length} objects at ${r.revision}`,
        })
    }
  return {
    outcome:
      run.failure === undefined ? { _tag: "Ready" } : { _tag: "Failed", failure: run.failure },
    events,
    applied: run.applied,
    pruned: run.pruned,
    stages: run.stages,
  } satisfies ReconcileReport
  // The scope holds the remote client (if any) for the run; it is released when the run ends.
}, Effect.scoped)
