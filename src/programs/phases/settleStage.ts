import { Effect } from "effect"
import { stageApplySetIdentity } from "../../inventory/ApplySetId.ts"
import { malformedEntries } from "../../inventory/MalformedEntries.ts"
import { type Member, settleRecord } from "../../inventory/RecordPlan.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { StageSetView } from "../StageSetView.ts"

/**
 * Settle (semantics.md section 2, step 4): after the prune phase the stored record becomes
 * exactly the render plus whatever could not be pruned (retried next run), in the
 * configured mode only. Entries that name no object stay (MalformedEntries.ts). Each
 * shard takes the applied digest of its own members as this run left them, written (on
 * its own) only when it changed (one of its members was applied anew), so digests record
 * versions that exist and a no-op reconcile writes nothing. Runs as the controller.
 */
export const settleStage = Effect.fn("settleStage")(function* (
  stageSet: StageSetView,
  record: StageRecord,
  position: number,
  rendered: ReadonlyArray<Member>,
  retained: ReadonlyArray<Member>,
  /** This run's fingerprints by entry id; without (a removed stage), stored digests stay. */
  applied: ReadonlyMap<string, string> | undefined = undefined,
) {
  const config = yield* ReconcileConfig
  const store = yield* InventoryStore
  const identity = stageApplySetIdentity(
    stageSet.namespace,
    stageSet.name,
    record.stage,
    config.version,
  )
  return yield* store.writeStage(
    record,
    settleRecord(
      position,
      rendered,
      retained,
      config.inventoryMode,
      identity,
      malformedEntries(record).map((m) => m.entry),
      applied,
    ),
    config.shardCap,
  )
})
