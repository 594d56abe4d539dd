import { Effect } from "effect"
import type { StageStatus } from "../../../schemas/StageSet.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import type { RenderedStage } from "../RenderedStage.ts"

/** Called whenever a stage changes phase, so status can follow the walk. */
export type ProgressReporter = (stages: ReadonlyArray<StageStatus>) => Effect.Effect<void>

/** Members a stored record accounts for: its entries, or `fallback` when it keeps none. */
export const memberCount = (record: StageRecord, fallback: number) =>
  record.tracksEntries ? record.shards.reduce((n, s) => n + s.entries.length, 0) : fallback

/**
 * Each current stage's `status.stages[]` entry as the run moves it along. `set` reports the
 * change at once (a phase the user should see); `note` keeps it for the next report, and
 * `flush` reports what was noted.
 */
export interface StageProgress {
  readonly set: (i: number, patch: Partial<StageStatus>) => Effect.Effect<void>
  readonly note: (i: number, patch: Partial<StageStatus>) => void
  readonly flush: Effect.Effect<void>
  readonly stages: () => ReadonlyArray<StageStatus>
}

/**
 * Starts each stage as Pending with what it last applied (`appliedRevision` from the
 * previous status): a revision shows up there only once this run applied it.
 */
export const makeStageProgress = (
  rendered: ReadonlyArray<RenderedStage>,
  records: ReadonlyMap<string, StageRecord>,
  previous: ReadonlyArray<StageStatus>,
  report: ProgressReporter,
): StageProgress => {
  const stages: Array<StageStatus> = rendered.map((r) => {
    const record = records.get(r.stage.name)
    const before = previous.find((s) => s.name === r.stage.name)
    const applied = before?.appliedRevision
    const handled = before?.lastHandledReconcileAt
    return {
      name: r.stage.name,
      position: r.position,
      phase: "Pending",
      ...(applied === undefined ? {} : { appliedRevision: applied }),
      // Kept, so a handled `reconcile-stage` token is not handled again.
      ...(handled === undefined ? {} : { lastHandledReconcileAt: handled }),
      entriesCount: record === undefined ? 0 : memberCount(record, 0),
      shards: record?.shards.length ?? 0,
      message: "",
    }
  })
  const note = (i: number, patch: Partial<StageStatus>) => {
    stages[i] = { ...stages[i]!, ...patch }
  }
  const flush = Effect.suspend(() => report([...stages]))
  return {
    note,
    flush,
    set: (i, patch) =>
      Effect.zipRight(
        Effect.sync(() => note(i, patch)),
        flush,
      ),
    stages: () => stages,
  }
}
