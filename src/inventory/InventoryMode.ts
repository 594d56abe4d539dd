/**
 * Inventory modes (semantics.md section 4): what each mode writes, and which
 * mode a stored record satisfies, for `status.inventoryMode` while the
 * process-wide `--inventory-mode` flag is being switched.
 */
import type { StageRecord } from "./StageRecord.ts"

/** Most specific first: the order `commonMode` prefers. */
export const INVENTORY_MODES = ["hybrid", "entries", "applyset"] as const

export type InventoryMode = (typeof INVENTORY_MODES)[number]

export const isInventoryMode = (value: string): value is InventoryMode =>
  (INVENTORY_MODES as ReadonlyArray<string>).includes(value)

/** What a stage written in a mode carries. */
export interface ModeWrites {
  /** `spec.entries` in every shard. */
  readonly tracksEntries: boolean
  /** ApplySet id label and tooling / contains-group-kinds / additional-namespaces annotations on shard 0. */
  readonly applySetMetadata: boolean
  /** `applyset.kubernetes.io/part-of` on every applied member. */
  readonly partOfLabel: boolean
}

const WRITES: Readonly<Record<InventoryMode, ModeWrites>> = {
  hybrid: { tracksEntries: true, applySetMetadata: true, partOfLabel: true },
  entries: { tracksEntries: true, applySetMetadata: false, partOfLabel: false },
  applyset: { tracksEntries: false, applySetMetadata: true, partOfLabel: true },
}

export const modeWrites = (mode: InventoryMode): ModeWrites => WRITES[mode]

/**
 * The modes a record satisfies: hybrid (entries and ApplySet metadata)
 * satisfies all three, since pruning from either half is correct; a record
 * with one half satisfies that mode only; a record with neither, none.
 */
export const recordSatisfies = (record: StageRecord): ReadonlyArray<InventoryMode> => {
  const applySet = record.applySet !== undefined
  if (record.tracksEntries && applySet) return INVENTORY_MODES
  if (record.tracksEntries) return ["entries"]
  if (applySet) return ["applyset"]
  return []
}

export interface CommonMode {
  /** The most specific mode every stored record satisfies; undefined while they disagree. */
  readonly mode: InventoryMode | undefined
  /** Stages (in `records` order) whose record does not satisfy the configured mode yet. */
  readonly behind: ReadonlyArray<string>
}

/**
 * The value of `status.inventoryMode`. Only stages with at least one stored
 * shard count: a stage that has not been written yet (or whose record was
 * lost and is being rebuilt) holds nothing that contradicts any mode, and will
 * be written in the configured one. With nothing stored at all, the configured
 * mode is reported. `behind` is filled whether or not a common mode exists: a
 * StageSet half-way from entries to hybrid reports `entries` and names the
 * stages still to be rewritten.
 */
export const commonMode = (
  records: ReadonlyArray<StageRecord>,
  configured: InventoryMode,
): CommonMode => {
  const stored = records.filter((record) => record.shards.length > 0)
  const satisfied = stored.map(recordSatisfies)
  const behind = stored
    .filter((_, i) => !satisfied[i]!.includes(configured))
    .map((record) => record.stage)
  if (stored.length === 0) return { mode: configured, behind }
  const mode = INVENTORY_MODES.find((candidate) =>
    satisfied.every((modes) => modes.includes(candidate)),
  )
  return { mode, behind }
}
