import { Effect } from "effect"
import { commonMode } from "../../inventory/InventoryMode.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { ModeReport } from "./buildStatus.ts"

/** `status.inventoryMode` of these stored records under the configured mode. */
export const modeReport = Effect.fn("modeReport")(function* (records: ReadonlyArray<StageRecord>) {
  const config = yield* ReconcileConfig
  const common = commonMode(records, config.inventoryMode)
  return {
    mode: common.mode,
    configured: config.inventoryMode,
    behind: common.behind,
  } satisfies ModeReport
})

/**
 * The same for a StageSet whose records this reconcile has not read (suspended, invalid,
 * being torn down): one LIST of its shards. Undefined when they cannot be read, so a
 * status write never fails because of it.
 */
export const storedModeReport = (namespace: string, name: string) =>
  Effect.flatMap(InventoryStore, (store) => store.listStageSet(namespace, name)).pipe(
    Effect.flatMap(modeReport),
    Effect.orElseSucceed(() => undefined),
  )
