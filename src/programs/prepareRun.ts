import { Effect, Either } from "effect"
import { shardName } from "../inventory/ShardName.ts"
import type { StageRecord } from "../inventory/StageRecord.ts"
import { InventoryStore } from "../inventory-store/InventoryStore.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import { adoptLegacyShards } from "./phases/adoptLegacyShards.ts"
import { malformedEntryEvents } from "./phases/malformedEntryEvents.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import type { RenderedStage } from "./RenderedStage.ts"
import type { RunEvent } from "./RunEvent.ts"
import { renderStageSet } from "./renderStageSet.ts"
import type { StageSetView } from "./StageSetView.ts"
import { planVersion } from "./version/planVersion.ts"

export interface PreparedRun {
  readonly rendered: ReadonlyArray<RenderedStage>
  /** The stored record of each current stage (empty for a stage never written). */
  readonly records: ReadonlyMap<string, StageRecord>
  /** Stored records of stages no longer in `spec.stages`. */
  readonly removed: ReadonlyArray<StageRecord>
  /**
   * `InventoryAdopted` and `InventoryRepaired` Events of shards adopted or repaired on the
   * way, `InventoryEntryMalformed` warnings.
   */
  readonly events: ReadonlyArray<RunEvent>
  /** The version `spec.version` names for this run (`status.version` once it ends Ready). */
  readonly version: string | undefined
}

/**
 * Shards someone deleted while the StageSet lives stay Terminating under our finalizer
 * (semantics.md section 6.1); repair them before the run reads the records, in place in
 * `records`. Not while the namespace is being deleted: then the finalizer is what keeps
 * the record readable for the teardown that is about to come.
 */
const repairShards = (view: StageSetView, records: Map<string, StageRecord>) =>
  Effect.gen(function* () {
    const broken = [...records.values()].filter((r) => r.shards.some((s) => s.terminating))
    if (broken.length === 0) return []
    const kube = yield* KubeClient
    const namespaceGoing = yield* kube
      .get({ apiVersion: "v1", kind: "Namespace", name: view.namespace })
      .pipe(
        Effect.map((ns) => ns.metadata.deletionTimestamp !== undefined),
        Effect.catchTag("KubeNotFound", () => Effect.succeed(true)),
      )
    if (namespaceGoing) return []
    const store = yield* InventoryStore
    const config = yield* ReconcileConfig
    const events: Array<RunEvent> = []
    for (const record of broken) {
      const result = yield* store.repairStage(record, config.shardCap, config.inventoryMode)
      records.set(record.stage, result.record)
      const moves = result.repaired.map((r) =>
        r.index === r.to
          ? `${shardName(view.name, record.stage, r.index)} was written afresh with its entries`
          : `the entries of ${shardName(view.name, record.stage, r.index)} moved to ${shardName(view.name, record.stage, r.to)}`,
      )
      events.push({
        type: "Normal",
        reason: "InventoryRepaired",
        message: `stage ${record.stage}: StageInventory shards deleted by hand were repaired: ${moves.join("; ")}`,
      })
    }
    return events
  })

/**
 * Everything a run decides from, before its first write (semantics.md section 1, steps
 * 3-4): every stage rendered at a pinned revision, and the stored records. One LIST for
 * every stored stage, and the shard-name collision check for a stage whose shard 0 is not
 * ours yet.
 */
export const prepareRun = Effect.fn("prepareRun")(function* (view: StageSetView) {
  const store = yield* InventoryStore
  const rendered = yield* renderStageSet(view)
  // Before anything is written: a version that cannot be read, or a refused downgrade,
  // holds the run like a render error.
  const version = yield* Either.match(planVersion(view, rendered), {
    onLeft: Effect.fail,
    onRight: Effect.succeed,
  })
  const stored = yield* store.listStageSet(view.namespace, view.name)
  const records = new Map<string, StageRecord>()
  for (const r of rendered) {
    const ref = { namespace: view.namespace, stageSet: view.name, stage: r.stage.name }
    // The LIST above selected every shard a LIST of this stage's label would.
    records.set(
      r.stage.name,
      yield* store.checkListedStage(
        ref,
        stored.find((s) => s.stage === r.stage.name),
      ),
    )
  }
  const names = new Set(rendered.map((r) => r.stage.name))
  const adoption = yield* adoptLegacyShards([
    ...records.values(),
    ...stored.filter((s) => !names.has(s.stage)),
  ])
  for (const record of adoption.records)
    if (names.has(record.stage)) records.set(record.stage, record)
  const repaired = yield* repairShards(view, records)
  const removed = adoption.records.filter((s) => !names.has(s.stage))
  return {
    rendered,
    records,
    removed,
    events: [
      ...adoption.events,
      ...repaired,
      ...malformedEntryEvents(view.name, [...records.values(), ...removed], "kept"),
    ],
    version,
  } satisfies PreparedRun
})
