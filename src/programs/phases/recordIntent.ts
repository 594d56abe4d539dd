import { Effect } from "effect"
import { stageApplySetIdentity } from "../../inventory/ApplySetId.ts"
import { modeWrites } from "../../inventory/InventoryMode.ts"
import { intentRecord } from "../../inventory/RecordPlan.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RenderedStage } from "../RenderedStage.ts"
import type { StageSetView } from "../StageSetView.ts"
import { discoverApplySetMembers } from "./readMembers.ts"
import { findLabelledMembers, rebuiltEvent } from "./rebuildRecord.ts"

/**
 * Record intent (semantics.md section 2, step 1): the stored record becomes I ∪ D before
 * any member is applied, so a crash cannot orphan what is about to be created. In hybrid
 * and applyset modes shard 0's ApplySet hints widen here too, before a member of a new
 * group-kind or namespace exists. Writes nothing when D ⊆ I. Runs as the controller: the
 * inventory is the controller's own object.
 *
 * `applied`: the StageSet's status says this stage applied before. When its shards are
 * nevertheless all gone (semantics.md section 6.2), the record is rebuilt first: in hybrid
 * and applyset modes from the objects that carry the stage's ApplySet id (which depends
 * only on names), in entries mode from the render alone; either way with a Warning Event.
 */
export const recordIntent = Effect.fn("recordIntent")(function* (
  stageSet: StageSetView,
  rendered: RenderedStage,
  current: StageRecord,
  applied = false,
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
  const lost = applied && current.shards.length === 0
  const labelled = modeWrites(config.inventoryMode).partOfLabel
  const discovered =
    current.shards.length > 0 && !current.tracksEntries
      ? yield* discoverApplySetMembers(current)
      : lost && labelled
        ? yield* findLabelledMembers(stageSet, rendered.stage.name)
        : []
  const event = lost
    ? rebuiltEvent(rendered.stage.name, labelled ? discovered : undefined, stageSet.namespace)
    : undefined
  const record = yield* store.writeStage(
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
  return { record, event }
})
