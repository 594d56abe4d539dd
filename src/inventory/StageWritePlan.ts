/**
 * Which shard writes take a stage's stored record to a desired one (semantics.md section
 * 3, section 4): the policy half of `InventoryStore.writeStage`. The store only executes
 * the steps in order.
 */
import { Array as Arr, Equivalence } from "effect"
import type { Entry } from "./Entry.ts"
import { shardDigest } from "./ShardDigest.ts"
import { planShards, type ShardStep } from "./ShardPlan.ts"
import type { ApplySetMeta, DesiredRecord, Shard, StageRecord } from "./StageRecord.ts"

/**
 * A shard write: its whole final content (Put: the controller's field manager), or its
 * applied digest alone (Digest: a field manager of its own that owns only that annotation,
 * so changing a digest sends the digest, not the shard; none removes it).
 */
export type StageWriteStep =
  | ShardStep
  | { readonly _tag: "Digest"; readonly index: number; readonly digest: string | undefined }

export interface StageWritePlan {
  /** Shard writes in a crash-safe order (every Put carries a shard's whole final content). */
  readonly steps: ReadonlyArray<StageWriteStep>
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
 * metadata or mode annotation): widening the ApplySet hints must land before any new
 * member is applied. Each shard whose digest (`shardDigest` of its final entries) changes
 * gets a Digest write: so a shard whose members this run applied anew has its digest
 * written, alone, and one whose members are as recorded is not written. A digest never
 * claims a member its shard does not hold at any point: on a shard an entry leaves, the
 * digest changes before the Put (dropped first when entries also enter), otherwise after.
 * Nothing when nothing changes.
 */
export const planStageWrite = (
  current: StageRecord,
  desired: DesiredRecord,
  cap: number,
): StageWritePlan => {
  const planned = planShards(layoutOf(current), desired.entries, cap).steps
  const finalLayout = applySteps(layoutOf(current), planned)
  const stored = (k: number): Shard | undefined => current.shards.find((s) => s.index === k)
  const digests = finalLayout.map((entries, k) => shardDigest(stored(k), entries, desired.applied))
  const written = new Set(planned.filter((s) => s._tag === "Put").map((s) => s.index))
  const metaChanged = current.position !== desired.position || !current.tracksEntries
  const rewrites: Array<StageWriteStep> = []
  for (let k = 0; k < finalLayout.length; k++) {
    const shard = stored(k)
    if (written.has(k) || shard === undefined) continue
    const shard0Changed =
      k === 0 &&
      (!sameApplySet(current.applySet, desired.applySet) || current.mode !== desired.mode)
    if (metaChanged || shard0Changed)
      rewrites.push({ _tag: "Put", index: k, entries: finalLayout[k] ?? [] })
    // Its entries do not change here: the digest may land in any order.
    if (shard.digest !== digests[k]) rewrites.push({ _tag: "Digest", index: k, digest: digests[k] })
  }
  const steps: Array<StageWriteStep> = [...rewrites]
  for (const step of planned) {
    if (step._tag !== "Put") {
      steps.push(step)
      continue
    }
    const before = stored(step.index)
    const digest = digests[step.index]
    if (before?.digest === digest) {
      steps.push(step)
      continue
    }
    const held = new Set(step.entries.map((e) => e.id))
    const was = new Set(before?.entries.map((e) => e.id) ?? [])
    const leaving = before?.digest !== undefined && before.entries.some((e) => !held.has(e.id))
    const entering = step.entries.some((e) => !was.has(e.id))
    if (leaving && !entering) steps.push({ _tag: "Digest", index: step.index, digest }, step)
    else {
      if (leaving) steps.push({ _tag: "Digest", index: step.index, digest: undefined })
      steps.push(step)
      if (digest !== (leaving ? undefined : before?.digest))
        steps.push({ _tag: "Digest", index: step.index, digest })
    }
  }
  return {
    steps,
    record: {
      ...current,
      position: desired.position,
      tracksEntries: true,
      applySet: desired.applySet,
      mode: desired.mode,
      shards: finalLayout.map((entries, index) => {
        const digest = digests[index]
        return digest === undefined ? { index, entries } : { index, entries, digest }
      }),
    },
  }
}
