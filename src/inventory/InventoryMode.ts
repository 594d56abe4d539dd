/**
 * Inventory modes (semantics.md section 4): what each mode writes, which members each
 * prunes, and which mode the stored records satisfy, for `status.inventoryMode` while the
 * process-wide `--inventory-mode` flag is being switched.
 */
import type { StageRecord } from "./StageRecord.ts"

/** Most specific first: the order `commonMode` prefers when it has to infer. */
export const INVENTORY_MODES = ["hybrid", "entries", "applyset"] as const

export type InventoryMode = (typeof INVENTORY_MODES)[number]

export const isInventoryMode = (value: string): value is InventoryMode =>
  (INVENTORY_MODES as ReadonlyArray<string>).includes(value)

/**
 * What a stage written in a mode carries, beyond the entries every mode writes and
 * shards, and what it prunes beyond them.
 */
export interface ModeWrites {
  /** ApplySet id label and tooling / contains-group-kinds / additional-namespaces annotations on shard 0. */
  readonly applySetMetadata: boolean
  /** `applyset.kubernetes.io/part-of` on every applied member. */
  readonly partOfLabel: boolean
  /**
   * Prune candidates include every member KEP-3659 discovery finds with the stage's
   * part-of label that we manage, not only the entries: the set is first-class.
   */
  readonly prunesDiscovered: boolean
}

const WRITES: Readonly<Record<InventoryMode, ModeWrites>> = {
  hybrid: { applySetMetadata: true, partOfLabel: true, prunesDiscovered: false },
  entries: { applySetMetadata: false, partOfLabel: false, prunesDiscovered: false },
  applyset: { applySetMetadata: true, partOfLabel: true, prunesDiscovered: true },
}

export const modeWrites = (mode: InventoryMode): ModeWrites => WRITES[mode]

/**
 * The mode a stored record's writes last settled to: shard 0's annotation, or for a record
 * an earlier version wrote (no annotation), what its content shows: entries and ApplySet
 * metadata = hybrid, entries only = entries, metadata only = applyset. Undefined for a
 * stage with nothing stored.
 */
export const recordMode = (record: StageRecord): InventoryMode | undefined => {
  if (record.shards.length === 0) return undefined
  if (record.mode !== undefined) return record.mode
  const applySet = record.applySet !== undefined
  if (record.tracksEntries) return applySet ? "hybrid" : "entries"
  return applySet ? "applyset" : undefined
}

export interface CommonMode {
  /** The value of `status.inventoryMode`. */
  readonly mode: InventoryMode
  /** Stages (in `records` order) whose record is not in the configured mode yet. */
  readonly behind: ReadonlyArray<string>
}

/**
 * The value of `status.inventoryMode`. Only stages with a stored record count: a stage
 * that has not been written yet holds nothing that contradicts any mode and will be
 * written in the configured one. When every stored record is in one mode, that mode;
 * during a switch (some records still in the old mode), the old mode, the one the records
 * behind share (the most common of theirs if they disagree); with nothing stored, the
 * configured mode. `behind` names the stages still to be rewritten.
 */
export const commonMode = (
  records: ReadonlyArray<StageRecord>,
  configured: InventoryMode,
): CommonMode => {
  const stored = records.flatMap((record) => {
    const mode = recordMode(record)
    return mode === undefined ? [] : [{ stage: record.stage, mode }]
  })
  const behind = stored.filter((r) => r.mode !== configured)
  if (behind.length === 0) return { mode: configured, behind: [] }
  const counts = new Map<InventoryMode, number>()
  for (const r of behind) counts.set(r.mode, (counts.get(r.mode) ?? 0) + 1)
  const old = INVENTORY_MODES.reduce<InventoryMode | undefined>(
    (best, mode) =>
      (counts.get(mode) ?? 0) > (best === undefined ? 0 : (counts.get(best) ?? 0)) ? mode : best,
    undefined,
  )
  return { mode: old ?? configured, behind: behind.map((r) => r.stage) }
}
