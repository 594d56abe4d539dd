import { Effect } from "effect"
import type { Member } from "../../inventory/RecordPlan.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import type { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import type { KubeClient } from "../../kube/KubeClient.ts"
import type { ArtifactFetcher } from "../ArtifactFetcher.ts"
import { actingAs } from "../actingIdentity.ts"
import { claimedElsewhere } from "../claimedElsewhere.ts"
import type { Kustomize } from "../Kustomize.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RenderedStage } from "../RenderedStage.ts"
import type { RunEvent } from "../RunEvent.ts"
import type { StageIdentity } from "../StageIdentity.ts"
import type { StageSetView } from "../StageSetView.ts"
import { pruneStage } from "./pruneStage.ts"
import { type PartOfListing, prunesDiscovered, readMembers } from "./readMembers.ts"
import { pruneRemovedStages } from "./removedStages.ts"
import { memberCount, type StageProgress } from "./StageProgress.ts"
import { settleStage } from "./settleStage.ts"

export interface PrunePhaseResult {
  /** Each current stage's record after settle. */
  readonly records: ReadonlyMap<string, StageRecord>
  readonly pruned: number
  readonly events: ReadonlyArray<RunEvent>
  /** One line per object that could not be deleted (it stays recorded and is retried). */
  readonly failures: ReadonlyArray<string>
}

/**
 * The prune phase (semantics.md section 1, steps 6-7; section 2, steps 3-4), run only once
 * every stage is Ready: in reverse stage order, prune what each stage's record still holds
 * but no stage renders, then settle the record to the render (plus what could not be
 * deleted); then the stages that left `spec.stages`. Make before break: until this ran,
 * the dropped objects stayed recorded.
 */
export const prunePhase = Effect.fn("prunePhase")(function* (
  stageSet: StageSetView,
  rendered: ReadonlyArray<RenderedStage>,
  walk: {
    /** Each current stage's record after the walk. */
    readonly records: ReadonlyMap<string, StageRecord>
    readonly listings: ReadonlyMap<string, ReadonlyArray<PartOfListing>>
    readonly fingerprints: ReadonlyMap<string, ReadonlyMap<string, string>>
  },
  removedStages: ReadonlyArray<StageRecord>,
  progress: StageProgress,
) {
  const config = yield* ReconcileConfig
  const records = new Map(walk.records)
  const desiredBy = new Map(
    rendered.map((r) => [r.stage.name, new Set(r.members.map((m) => m.entry.id))]),
  )
  const allDesired = new Set(rendered.flatMap((r) => r.members.map((m) => m.entry.id)))
  // The ownership reads are the controller's, made once per run and only when a stage has
  // something to prune; the context is captured so the cached read needs nothing later.
  const context = yield* Effect.context<
    KubeClient | InventoryStore | ArtifactFetcher | StageIdentity | ReconcileConfig | Kustomize
  >()
  const others = yield* claimedElsewhere(stageSet).pipe(Effect.provide(context), Effect.cached)
  const events: Array<RunEvent> = []
  const failures: Array<string> = []
  let pruned = 0

  for (let i = rendered.length - 1; i >= 0; i--) {
    const stage = rendered[i]!
    const name = stage.stage.name
    const record = records.get(name)!
    const desired = desiredBy.get(name)!
    const otherStagesDesired = new Set([...allDesired].filter((id) => !desired.has(id)))
    // The label lookup and the prune are the stage's identity's (semantics.md section 9).
    const { candidates, result } = yield* Effect.gen(function* () {
      const members = yield* readMembers(
        record,
        prunesDiscovered(record, config.inventoryMode),
        walk.listings.get(name),
      )
      const candidates = members.some((m) => !allDesired.has(m.entry.id))
      if (candidates) yield* progress.set(i, { phase: "Pruning" })
      const result = yield* pruneStage({
        stage: name,
        members,
        desired,
        otherStagesDesired,
        otherStageSetsInventory: others,
        pruneEnabled: stage.stage.prune !== false,
        concurrency: config.applyConcurrency,
      })
      return { candidates, result }
    }).pipe(actingAs(stageSet, stage.stage))
    pruned += result.deleted.length
    if (result.deleted.length > 0)
      events.push({
        type: "Normal",
        reason: "Pruned",
        message: `stage ${name}: deleted ${result.deleted.map((m) => m.entry.id).join(", ")}`,
      })
    const retained: Array<Member> = result.failed.map((f) => f.member)
    for (const f of result.failed) failures.push(`stage ${name}: ${f.message}`)
    const settled = yield* settleStage(
      stageSet,
      record,
      stage.position,
      stage.members,
      retained,
      walk.fingerprints.get(name),
    )
    records.set(name, settled)
    progress.note(i, {
      ...(candidates ? { phase: "Ready" } : {}),
      entriesCount: memberCount(settled, stage.members.length + retained.length),
      shards: settled.shards.length,
    })
  }

  const removed = yield* pruneRemovedStages(stageSet, removedStages, allDesired, others)
  return {
    records,
    pruned: pruned + removed.pruned,
    events: [...events, ...removed.events],
    failures: [...failures, ...removed.failures],
  } satisfies PrunePhaseResult
})
