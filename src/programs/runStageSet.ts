import { Effect } from "effect"
import { commonMode, type InventoryMode } from "../inventory/InventoryMode.ts"
import { type Member, settleRecord } from "../inventory/RecordPlan.ts"
import type { StageRecord } from "../inventory/StageRecord.ts"
import { InventoryStore } from "../inventory-store/InventoryStore.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import { ArtifactFetcher } from "./ArtifactFetcher.ts"
import { claimedElsewhere } from "./claimedElsewhere.ts"
import { type Failure, failureOf } from "./failureReason.ts"
import { pruneStage } from "./pruneStage.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import type { RenderedStage } from "./RenderedStage.ts"
import { type PartOfListing, readMembers } from "./readMembers.ts"
import { applyStage, stageIdentity, verifyStage } from "./reconcileStage.ts"
import type { StageSetView } from "./StageSetView.ts"

export type StagePhase = "Pending" | "Applying" | "Pruning" | "Verifying" | "Ready" | "Failed"

export interface StageProgress {
  readonly name: string
  readonly position: number
  readonly phase: StagePhase
  readonly revision?: string
  readonly entriesCount: number
  readonly shards: number
  readonly message: string
}

export interface RunEvent {
  readonly type: "Normal" | "Warning"
  readonly reason: string
  readonly message: string
}

export interface StageSetRun {
  readonly stages: ReadonlyArray<StageProgress>
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

/** Called whenever a stage changes phase, so status can follow the walk. */
export type ProgressReporter = (stages: ReadonlyArray<StageProgress>) => Effect.Effect<void>

const memberCount = (record: StageRecord, fallback: number) =>
  record.tracksEntries ? record.shards.reduce((n, s) => n + s.entries.length, 0) : fallback

/**
 * The walk and the prune phase of one StageSet run (semantics.md section 1, steps 5-7):
 * stages in order, each applied and verified only after the one before is Ready; a
 * failure stops the walk and nothing is pruned. Only when every stage is Ready: prune in
 * reverse stage order and settle each record, then prune and delete stages that left
 * `spec.stages`, in reverse stagePosition order.
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
  const store = yield* InventoryStore
  // With serviceAccountName every call on the StageSet's objects is made as that identity,
  // so the API server's RBAC decides what a stage may touch; the inventory, readiness and
  // status stay the controller's own.
  const kube = yield* KubeClient
  const actor =
    stageSet.serviceAccountName === undefined
      ? kube
      : kube.impersonate(
          `system:serviceaccount:${stageSet.namespace}:${stageSet.serviceAccountName}`,
        )
  const asActor = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provideService(effect, KubeClient, actor)
  const events: Array<RunEvent> = []
  const progress: Array<StageProgress> = rendered.map((r) => {
    const record = current.get(r.stage.name)
    return {
      name: r.stage.name,
      position: r.position,
      phase: "Pending",
      revision: r.revision,
      entriesCount: record === undefined ? 0 : memberCount(record, 0),
      shards: record?.shards.length ?? 0,
      message: "",
    }
  })
  const setPhase = (i: number, patch: Partial<StageProgress>) =>
    Effect.suspend(() => {
      progress[i] = { ...progress[i]!, ...patch }
      return report(progress)
    })
  const records = new Map(current)
  const listings = new Map<string, ReadonlyArray<PartOfListing>>()
  let failure: Failure | undefined
  let applied = 0
  let pruned = 0

  // `reconcile-stage`: that stage and every one after it apply every object again.
  const forcedFrom = rendered.findIndex((r) => r.stage.name === stageSet.reconcileStage)
  for (const [i, stage] of rendered.entries()) {
    const name = stage.stage.name
    yield* setPhase(i, { phase: "Applying", message: "" })
    const outcome = yield* Effect.either(
      Effect.gen(function* () {
        const before = records.get(name)!
        const result = yield* asActor(
          applyStage(stageSet, stage, before, { reapply: forcedFrom >= 0 && i >= forcedFrom }),
        )
        records.set(name, result.record)
        listings.set(name, result.listings)
        applied += result.applied
        yield* setPhase(i, {
          phase: "Verifying",
          entriesCount: memberCount(result.record, stage.members.length),
          shards: result.record.shards.length,
        })
        yield* verifyStage(stageSet, stage, result.live)
        return result
      }).pipe(Effect.annotateLogs({ stage: name })),
    )
    if (outcome._tag === "Left") {
      failure = failureOf(outcome.left)
      failure = { ...failure, message: `stage ${name}: ${failure.message}` }
      yield* setPhase(i, { phase: "Failed", message: failure.message })
      events.push({ type: "Warning", reason: failure.reason, message: failure.message })
      break
    }
    // Not written on its own: the next stage's Applying, or the run's final status, carries
    // it a moment later (one status write fewer per stage).
    progress[i] = {
      ...progress[i]!,
      phase: "Ready",
      message: `${stage.members.length} objects ready`,
    }
  }

  if (failure === undefined) {
    // Prune phase: every stage is Ready.
    const desiredBy = new Map(
      rendered.map((r) => [r.stage.name, new Set(r.members.map((m) => m.entry.id))]),
    )
    const allDesired = new Set(rendered.flatMap((r) => r.members.map((m) => m.entry.id)))
    // Read as the controller (not the impersonated identity), once, and only when a stage
    // has something to prune.
    const fetcher = yield* ArtifactFetcher
    const others = yield* claimedElsewhere(stageSet).pipe(
      Effect.provideService(KubeClient, kube),
      Effect.provideService(InventoryStore, store),
      Effect.provideService(ArtifactFetcher, fetcher),
      Effect.cached,
    )
    const pruneFailures: Array<string> = []

    for (let i = rendered.length - 1; i >= 0; i--) {
      const stage = rendered[i]!
      const name = stage.stage.name
      const record = records.get(name)!
      const desired = desiredBy.get(name)!
      const otherStagesDesired = new Set([...allDesired].filter((id) => !desired.has(id)))
      const members = yield* readMembers(record, listings.get(name))
      const result = yield* asActor(
        pruneStage({
          stage: name,
          members,
          desired,
          otherStagesDesired,
          otherStageSetsInventory: others,
          pruneEnabled: stage.stage.prune !== false,
          concurrency: config.applyConcurrency,
        }),
      )
      pruned += result.deleted.length
      if (result.deleted.length > 0)
        events.push({
          type: "Normal",
          reason: "Pruned",
          message: `stage ${name}: deleted ${result.deleted.map((m) => m.entry.id).join(", ")}`,
        })
      const retained: Array<Member> = result.failed.map((f) => f.member)
      for (const f of result.failed) pruneFailures.push(`stage ${name}: ${f.message}`)
      const identity = stageIdentity(stageSet.namespace, stageSet.name, name, config.version)
      const settled = yield* store.writeStage(
        record,
        settleRecord(stage.position, stage.members, retained, config.inventoryMode, identity),
        config.shardCap,
      )
      records.set(name, settled)
      const count = memberCount(settled, stage.members.length + retained.length)
      progress[i] = { ...progress[i]!, entriesCount: count, shards: settled.shards.length }
    }

    // Stages that left spec.stages: prune as if their render were empty, then drop their
    // shards. This run wrote none of them, so the records read before the walk still hold.
    const removed = [...removedStages].sort((a, b) => b.position - a.position)
    for (const record of removed) {
      const members = yield* readMembers(record)
      const result = yield* asActor(
        pruneStage({
          stage: record.stage,
          members,
          desired: new Set(),
          otherStagesDesired: allDesired,
          otherStageSetsInventory: others,
          pruneEnabled: true,
          concurrency: config.applyConcurrency,
        }),
      )
      pruned += result.deleted.length
      if (result.failed.length === 0) {
        yield* store.deleteStage(record)
        events.push({
          type: "Normal",
          reason: "StageRemoved",
          message: `stage ${record.stage} left spec.stages: deleted ${result.deleted.length} objects and its inventory`,
        })
      } else {
        const identity = stageIdentity(
          stageSet.namespace,
          stageSet.name,
          record.stage,
          config.version,
        )
        yield* store.writeStage(
          record,
          settleRecord(
            record.position,
            [],
            result.failed.map((f) => f.member),
            config.inventoryMode,
            identity,
          ),
          config.shardCap,
        )
        for (const f of result.failed)
          pruneFailures.push(`removed stage ${record.stage}: ${f.message}`)
      }
    }
    if (pruneFailures.length > 0) {
      failure = { reason: "PruneFailed", message: pruneFailures.join("; "), stalled: false }
      events.push({ type: "Warning", reason: "PruneFailed", message: failure.message })
    }
  }

  const mode = commonMode([...records.values()], config.inventoryMode)
  return {
    stages: progress,
    failure,
    inventoryMode: mode.mode,
    behind: mode.behind,
    events,
    applied,
    pruned,
  } satisfies StageSetRun
})
