import { Effect } from "effect"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import type { KubeError } from "../../kube/KubeError.ts"
import { actingAs } from "../actingIdentity.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RunEvent } from "../RunEvent.ts"
import type { StageSetView } from "../StageSetView.ts"
import { pruneStage } from "./pruneStage.ts"
import { prunesDiscovered, readMembers } from "./readMembers.ts"
import { settleStage } from "./settleStage.ts"

/**
 * Stages that left `spec.stages` (semantics.md section 1, step 7), once every current stage
 * is Ready: in reverse stagePosition order, prune each as if its render were empty
 * (objects that moved to a current stage are kept), then delete its shards. What could not
 * be deleted stays recorded in its shards and is retried. This run wrote none of these
 * records, so the ones read before the walk still hold. Prunes run as the StageSet's
 * identity (the stage's own is gone with it).
 */
export const pruneRemovedStages = Effect.fn("pruneRemovedStages")(function* (
  stageSet: StageSetView,
  removedStages: ReadonlyArray<StageRecord>,
  allDesired: ReadonlySet<string>,
  others: Effect.Effect<ReadonlySet<string>, KubeError>,
) {
  const config = yield* ReconcileConfig
  const store = yield* InventoryStore
  const events: Array<RunEvent> = []
  const failures: Array<string> = []
  let pruned = 0
  for (const record of [...removedStages].sort((a, b) => b.position - a.position)) {
    // A stage no longer in spec.stages acts as the StageSet's identity.
    const result = yield* Effect.gen(function* () {
      const members = yield* readMembers(record, prunesDiscovered(record, config.inventoryMode))
      return yield* pruneStage({
        stage: record.stage,
        members,
        desired: new Set(),
        otherStagesDesired: allDesired,
        otherStageSetsInventory: others,
        pruneEnabled: true,
        concurrency: config.applyConcurrency,
      })
    }).pipe(actingAs(stageSet))
    pruned += result.deleted.length
    if (result.failed.length === 0) {
      yield* store.deleteStage(record)
      events.push({
        type: "Normal",
        reason: "StageRemoved",
        message: `stage ${record.stage} left spec.stages: deleted ${result.deleted.length} objects and its inventory`,
      })
    } else {
      yield* settleStage(
        stageSet,
        record,
        record.position,
        [],
        result.failed.map((f) => f.member),
      )
      for (const f of result.failed) failures.push(`removed stage ${record.stage}: ${f.message}`)
    }
  }
  return { pruned, events, failures }
})
