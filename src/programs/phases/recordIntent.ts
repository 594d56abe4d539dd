import { Effect } from "effect"
import { stageApplySetIdentity } from "../../inventory/ApplySetId.ts"
import { intentRecord } from "../../inventory/RecordPlan.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RenderedStage } from "../RenderedStage.ts"
import type { StageSetView } from "../StageSetView.ts"
import { discoverApplySetMembers } from "./readMembers.ts"

/**
 * Record intent (semantics.md section 2, step 1): the stored record becomes I ∪ D before
 * any member is applied, so a crash cannot orphan what is about to be created. In hybrid
 * and applyset modes shard 0's ApplySet hints widen here too, before a member of a new
 * group-kind or namespace exists. Writes nothing when D ⊆ I. Runs as the controller: the
 * inventory is the controller's own object.
 */
export const recordIntent = Effect.fn("recordIntent")(function* (
  stageSet: StageSetView,
  rendered: RenderedStage,
  current: StageRecord,
) {
  const config = yield* ReconcileConfig
  const store = yield* InventoryStore
  const identity = stageApplySetIdentity(
    stageSet.namespace,
    stageSet.name,
    rendered.stage.name,
    config.version,
  )
  // A record an earlier version kept in applyset mode has no entries: its members are
  // found by their label and recorded as entries with this write, before any apply.
  const discovered =
    current.shards.length > 0 && !current.tracksEntries
      ? yield* discoverApplySetMembers(current)
      : []
  return yield* store.writeStage(
    current,
    intentRecord(
      current,
      rendered.position,
      rendered.members,
      config.inventoryMode,
      identity,
      discovered,
    ),
    config.shardCap,
  )
})
