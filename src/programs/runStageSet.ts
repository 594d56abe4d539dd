import { Effect } from "effect"
import type { StageStatus } from "../../schemas/StageSet.ts"
import type { StageRecord } from "../inventory/StageRecord.ts"
import type { Failure } from "./failureReason.ts"
import { prunePhase } from "./phases/prunePhase.ts"
import { makeStageProgress, type ProgressReporter } from "./phases/StageProgress.ts"
import { walkStages } from "./phases/walkStages.ts"
import type { RenderedStage } from "./RenderedStage.ts"
import type { RunEvent } from "./RunEvent.ts"
import type { StageSetView } from "./StageSetView.ts"
import type { ModeReport } from "./stageSet/buildStatus.ts"
import { modeReport } from "./stageSet/modeReport.ts"

export interface StageSetRun {
  readonly stages: ReadonlyArray<StageStatus>
  /** Undefined when every stage is Ready and the prune phase succeeded. */
  readonly failure: Failure | undefined
  /** `status.inventoryMode` of the records after the run, and the stages behind a switch. */
  readonly inventoryMode: ModeReport
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
  /** `status.stages` as this reconcile found it. */
  previous: ReadonlyArray<StageStatus>,
  report: ProgressReporter,
) {
  const progress = makeStageProgress(rendered, current, previous, report)
  const walk = yield* walkStages(stageSet, rendered, current, progress)
  let failure = walk.failure
  let records = walk.records
  const events = [...walk.events]
  let pruned = 0
  if (failure === undefined) {
    const outcome = yield* Effect.either(
      prunePhase(stageSet, rendered, walk, removedStages, progress),
    )
    if (outcome._tag === "Left") {
      // A read or write the prune phase could not make (other StageSets, a label lookup, a
      // settle write): nothing more was pruned, and the records still hold every candidate.
      failure = {
        reason: outcome.left._tag === "KubeForbidden" ? "RBACDenied" : "PruneFailed",
        message: `prune phase: ${outcome.left.message}`,
        stalled: false,
      }
      events.push({ type: "Warning", reason: failure.reason, message: failure.message })
    } else {
      const prune = outcome.right
      records = prune.records
      pruned = prune.pruned
      events.push(...prune.events)
      if (prune.failures.length > 0) {
        failure = { reason: "PruneFailed", message: prune.failures.join("; "), stalled: false }
        events.push({ type: "Warning", reason: "PruneFailed", message: failure.message })
      }
    }
  }
  return {
    stages: progress.stages(),
    failure,
    inventoryMode: yield* modeReport([...records.values()]),
    events,
    applied: walk.applied,
    pruned,
  } satisfies StageSetRun
})
