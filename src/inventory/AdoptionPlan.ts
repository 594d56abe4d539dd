/**
 * Adoption of the StageInventory shards the public Go stageset-controller wrote (api.md,
 * "Compatibility with the public Go implementation"): its shards carry our labels but its
 * own names (`<stageset>-<stage>-NN-<hash>`) and an owner reference to the StageSet, which
 * we never write (a restored StageSet has a new uid). Make before break, as for a repair:
 * our shards are first written with every entry of both, only then are its shards deleted,
 * so nothing applied is unrecorded at any instant (invariant A).
 */
import { Order } from "effect"
import type { Entry } from "./Entry.ts"
import { type InventoryMode, recordMode } from "./InventoryMode.ts"
import type { DesiredRecord, StageRecord } from "./StageRecord.ts"

export interface AdoptionPlan {
  /** What our shards must hold before any legacy shard goes. */
  readonly desired: DesiredRecord
  /** The legacy shards to delete once `desired` is written, by name. */
  readonly deletes: ReadonlyArray<string>
}

/**
 * The adoption of `record`'s legacy shards, or undefined when it has none. Our shards keep
 * what they hold (an entry in both keeps our API version); the position and mode stay
 * those of our record, and for a stage only the Go implementation wrote, its position and
 * `entries` (it keeps entries and no ApplySet metadata).
 */
export const planAdoption = (record: StageRecord): AdoptionPlan | undefined => {
  const legacy = record.legacy ?? []
  if (legacy.length === 0) return undefined
  const byId = new Map<string, Entry>()
  for (const entry of legacy.flatMap((s) => s.entries)) byId.set(entry.id, entry)
  for (const entry of record.shards.flatMap((s) => s.entries)) byId.set(entry.id, entry)
  const ours = record.shards.length > 0
  const mode: InventoryMode = (ours ? recordMode(record) : undefined) ?? "entries"
  return {
    desired: {
      position: ours ? record.position : Math.max(...legacy.map((s) => s.position)),
      entries: [...byId.values()].sort(Order.mapInput(Order.string, (e: Entry) => e.id)),
      applySet: record.applySet,
      mode,
    },
    deletes: legacy.map((s) => s.name).sort(Order.string),
  }
}
