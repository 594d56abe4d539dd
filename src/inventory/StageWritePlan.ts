/**
 * Which shard writes take a stage's stored record to a desired one (semantics.md section
 * 3, section 4): the policy half of `InventoryStore.writeStage`. The store only executes
 * the steps in order.
 */
import { Array as Arr, Equivalence } from "effect"
import type { Entry } from "./Entry.ts"
import { planShards, type ShardStep } from "./ShardPlan.ts"
import type { ApplySetMeta, DesiredRecord, StageRecord } from "./StageRecord.ts"

export interface StageWritePlan {
  /** Shard writes in a crash-safe order (every Put carries a shard's whole final content). */
  readonly steps: ReadonlyArray<ShardStep>
  /** The record the store holds once every step ran. */
  readonly record: StageRecord
}

const sameStrings = Arr.getEquivalence(Equivalence.string)

const sameApplySet = (a: ApplySetMeta | undefined, b: ApplySetMeta | undefined) =>
  a === undefined || b === undefined
    ? a === b
    : a.id === b.id &&
      a.tooling === b.tooling &&
      sameStrings(a.groupKinds, b.groupKinds) &&
      sameStrings(a.additionalNamespaces, b.additionalNamespaces)

/** The shard layout of a stored record, indexed by shard number (missing shards as empty). */
const layoutOf = (record: StageRecord): Array<ReadonlyArray<Entry>> => {
  const top = record.shards.reduce((max, s) => Math.max(max, s.index), -1)
  const layout: Array<ReadonlyArray<Entry>> = []
  for (let k = 0; k <= top; k++)
    layout.push(record.shards.find((s) => s.index === k)?.entries ?? [])
  return layout
}

/** Steps that keep only shard 0 (no entry list): applyset mode. */
const singleShardSteps = (record: StageRecord): ReadonlyArray<ShardStep> => [
  { _tag: "Put", index: 0, entries: [] },
  ...record.shards
    .filter((s) => s.index > 0)
    .sort((a, b) => b.index - a.index)
    .map((s): ShardStep => ({ _tag: "Delete", index: s.index })),
]

/** Replays shard steps over a layout (the layout the store holds once they all ran). */
const applySteps = (
  layout: ReadonlyArray<ReadonlyArray<Entry>>,
  steps: ReadonlyArray<ShardStep>,
): ReadonlyArray<ReadonlyArray<Entry>> => {
  const next = [...layout]
  for (const step of steps) {
    if (step._tag === "Put") {
      while (next.length <= step.index) next.push([])
      next[step.index] = step.entries
    } else next.length = Math.min(next.length, step.index)
  }
  return next.length === 0 ? [[]] : next
}

const isEmptyApplySetOnly = (record: StageRecord) =>
  record.shards.length === 1 &&
  record.shards[0]?.index === 0 &&
  record.shards[0].entries.length === 0 &&
  !record.tracksEntries

/**
 * The writes from `current` to `desired`: the minimal shard plan of `planShards` (or one
 * shard 0 when the record keeps no entries), preceded by rewrites of shards whose entries
 * stay put but whose stage-wide fields change (stagePosition, whether entries are kept,
 * shard 0's ApplySet metadata): widening the ApplySet hints must land before any new
 * member is applied. Nothing when nothing changes.
 */
export const planStageWrite = (
  current: StageRecord,
  desired: DesiredRecord,
  cap: number,
): StageWritePlan => {
  const planned: ReadonlyArray<ShardStep> = desired.tracksEntries
    ? planShards(layoutOf(current), desired.entries, cap).steps
    : isEmptyApplySetOnly(current)
      ? []
      : singleShardSteps(current)
  const finalLayout = desired.tracksEntries ? applySteps(layoutOf(current), planned) : [[]]
  const written = new Set(planned.filter((s) => s._tag === "Put").map((s) => s.index))
  const metaChanged =
    current.position !== desired.position || current.tracksEntries !== desired.tracksEntries
  const rewrites: Array<ShardStep> = []
  for (let k = 0; k < finalLayout.length; k++) {
    if (written.has(k) || !current.shards.some((s) => s.index === k)) continue
    const shard0Changed = k === 0 && !sameApplySet(current.applySet, desired.applySet)
    if (metaChanged || shard0Changed)
      rewrites.push({ _tag: "Put", index: k, entries: finalLayout[k] ?? [] })
  }
  return {
    steps: [...rewrites, ...planned],
    record: {
      ...current,
      position: desired.position,
      tracksEntries: desired.tracksEntries,
      applySet: desired.applySet,
      shards: finalLayout.map((entries, index) => ({ index, entries })),
    },
  }
}
