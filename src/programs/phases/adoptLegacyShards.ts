import { Effect } from "effect"
import { shardName } from "../../inventory/ShardName.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RunEvent } from "../RunEvent.ts"

/**
 * Shards the Go implementation wrote (api.md, "Compatibility") are adopted on the first
 * reconcile, before anything reads the records: their entries are copied into our shards,
 * then they are deleted (make before break). An `InventoryAdopted` Event per stage.
 */
export const adoptLegacyShards = (records: ReadonlyArray<StageRecord>) =>
  Effect.gen(function* () {
    const store = yield* InventoryStore
    const config = yield* ReconcileConfig
    const events: Array<RunEvent> = []
    const adopted = yield* Effect.forEach(records, (record) => {
      const legacy = record.legacy ?? []
      if (legacy.length === 0) return Effect.succeed(record)
      return Effect.tap(store.adoptStage(record, config.shardCap), (after) =>
        Effect.sync(() =>
          events.push({
            type: "Normal",
            reason: "InventoryAdopted",
            message: `stage ${record.stage}: adopted the ${legacy.flatMap((s) => s.entries).length} entries of StageInventory ${legacy.map((s) => s.name).join(", ")} into ${after.shards.map((s) => shardName(record.stageSet, record.stage, s.index)).join(", ")}, then deleted ${legacy.length === 1 ? "it" : "them"}`,
          }),
        ),
      )
    })
    return { records: adopted, events }
  })
