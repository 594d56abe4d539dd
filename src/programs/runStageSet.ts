import { Effect } from "effect"
import type { StageStatus } from "../../schemas/StageSet.ts"
import { commonMode, type InventoryMode } from "../inventory/InventoryMode.ts"
import type { StageRecord } from "../inventory/StageRecord.ts"
import type { Failure } from "./failureReason.ts"
import { prunePhase } from "./phases/prunePhase.ts"
import { makeStageProgress, type ProgressReporter } from "./phases/StageProgress.ts"
import { walkStages } from "./phases/walkStages.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import type { RenderedStage } from "./RenderedStage.ts"
import type { RunEvent } from "./RunEvent.ts"
import type { StageSetView } from "./StageSetView.ts"

export interface StageSetRun {
  readonly stages: ReadonlyArray<StageStatus>
  /** Undefined when every stage is Ready and the prune phase succeeded. */
  readonly failure: Failure | undefined
  /** The mode every stored record satisfies, for `status.inventoryMode`. */
  readonly inventoryMode: InventoryMode | undefined
  /** Stages whose record is not yet in the configured mode. */
  readonly behind: ReadonlyArray<string>
  readonly events: ReadonlyArray<RunEvent>
  /** Objects applied / deleted, for metrics and events. */
  readonly applied: number
  readonly pruned: number
}

/**
 * One StageSet run over its pinned render (semantics.md section 1, steps 5-7): the walk,
 * then, only when every stage is Ready, the prune phase (current stages in reverse order,
 * then the stages that left `spec.stages`).
 */
export const runStageSet = Effect.fn("runStageSet")(function* (
  stageSet: StageSetView,
  rendered: ReadonlyArray<RenderedStage>,
  current: ReadonlyMap<string, StageRecord>,
  /** Stored records of stages no longer in `spec.stages` (read with `current`). */
  removedStages: ReadonlyArray<StageRecord>,
  report: ProgressReporter,
) {
  const config = yield* ReconcileConfig
  const progress = makeStageProgress(rendered, current, report)
  const walk = yield* walkStages(stageSet, rendered, current, progress)
  let failure = walk.failure
  let records = walk.records
  const events = [...walk.events]
  let pruned = 0
  if (failure === undefined) {
    const prune = yield* prunePhase(
      stageSet,
      rendered,
      walk.records,
      walk.listings,
      removedStages,
      progress,
    )
    records = prune.records
    pruned = prune.pruned
    events.push(...prune.events)
    if (prune.failures.length > 0) {
      failure = { reason: "PruneFailed", message: prune.failures.join("; "), stalled: false }
      events.push({ type: "Warning", reason: "PruneFailed", message: failure.message })
    }
  }
  const mode = commonMode([...records.values()], config.inventoryMode)
  return {
    stages: progress.stages(),
    failure,
    inventoryMode: mode.mode,
    behind: mode.behind,
    events,
    applied: walk.applied,
    pruned,
  } satisfies StageSetRun
})
