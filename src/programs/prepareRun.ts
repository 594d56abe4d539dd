import { Effect } from "effect"
import type { StageRecord } from "../inventory/StageRecord.ts"
import { InventoryStore } from "../inventory-store/InventoryStore.ts"
import type { RenderedStage } from "./RenderedStage.ts"
import { renderStageSet } from "./renderStageSet.ts"
import type { StageSetView } from "./StageSetView.ts"

export interface PreparedRun {
  readonly rendered: ReadonlyArray<RenderedStage>
  /** The stored record of each current stage (empty for a stage never written). */
  readonly records: ReadonlyMap<string, StageRecord>
  /** Stored records of stages no longer in `spec.stages`. */
  readonly removed: ReadonlyArray<StageRecord>
}

/**
 * Everything a run decides from, before its first write (semantics.md section 1, steps
 * 3-4): every stage rendered at a pinned revision, and the stored records. One LIST for
 * every stored stage; `readStage` (with its shard-name collision check) only for a stage
 * whose shard 0 is not ours yet.
 */
export const prepareRun = Effect.fn("prepareRun")(function* (view: StageSetView) {
  const store = yield* InventoryStore
  const rendered = yield* renderStageSet(view)
  const stored = yield* store.listStageSet(view.namespace, view.name)
  const records = new Map<string, StageRecord>()
  for (const r of rendered) {
    const found = stored.find((s) => s.stage === r.stage.name)
    records.set(
      r.stage.name,
      found?.shards.some((s) => s.index === 0)
        ? found
        : yield* store.readStage({
            namespace: view.namespace,
            stageSet: view.name,
            stage: r.stage.name,
          }),
    )
  }
  const names = new Set(rendered.map((r) => r.stage.name))
  return {
    rendered,
    records,
    removed: stored.filter((s) => !names.has(s.stage)),
  } satisfies PreparedRun
})
