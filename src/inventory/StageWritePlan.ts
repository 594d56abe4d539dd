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

/**
 * The writes from `current` to `desired`: the minimal shard plan of `planShards`, preceded
 * by rewrites of shards whose entries stay put but whose stage-wide fields change
 * (stagePosition, an entry list an earlier version did not keep, shard 0's ApplySet
 * metadata, mode annotation or applied digest): widening the ApplySet hints must land before any new
 * member is applied. Nothing when nothing changes.
 */
export const planStageWrite = (
  current: StageRecord,
  desired: DesiredRecord,
  cap: number,
): StageWritePlan => {
  const planned = planShards(layoutOf(current), desired.entries, cap).steps
  const finalLayout = applySteps(layoutOf(current), planned)
  const written = new Set(planned.filter((s) => s._tag === "Put").map((s) => s.index))
  const metaChanged = current.position !== desired.position || !current.tracksEntries
  const rewrites: Array<ShardStep> = []
  for (let k = 0; k < finalLayout.length; k++) {
    if (written.has(k) || !current.shards.some((s) => s.index === k)) continue
    const shard0Changed =
      k === 0 &&
      (!sameApplySet(current.applySet, desired.applySet) ||
        current.mode !== desired.mode ||
        current.appliedDigest !== desired.appliedDigest)
    if (metaChanged || shard0Changed)
      rewrites.push({ _tag: "Put", index: k, entries: finalLayout[k] ?? [] })
  }
  return {
    steps: [...rewrites, ...planned],
    record: {
      ...current,
      position: desired.position,
      tracksEntries: true,
      applySet: desired.applySet,
      mode: desired.mode,
      appliedDigest: desired.appliedDigest,
      shards: finalLayout.map((entries, index) => ({ index, entries })),
    },
  }
}
