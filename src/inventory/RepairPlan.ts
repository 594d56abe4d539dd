/**
 * Repair of shards deleted by hand while their StageSet lives (semantics.md section 6.1):
 * our finalizer keeps such a shard Terminating with its entries readable. Make before
 * break: its entries are first written to another shard, only then is it released, and a
 * lost shard 0 (the ApplySet parent) is written afresh with its entries before the
 * temporary copy goes. The record is never absent at any instant (invariant A).
 */
import { Order } from "effect"
import type { Entry } from "./Entry.ts"
import type { Shard, StageRecord } from "./StageRecord.ts"

export type RepairStep =
  /** Write shard `index` with exactly these entries (and the stage-wide fields). */
  | { readonly _tag: "Put"; readonly index: number; readonly entries: ReadonlyArray<Entry> }
  /** Write shard `index`'s applied digest alone (AppliedDigest.ts). */
  | { readonly _tag: "Digest"; readonly index: number; readonly digest: string }
  /** Remove our finalizer from the terminating shard `index`, and wait until it is gone. */
  | { readonly _tag: "Release"; readonly index: number }
  /** Delete shard `index` (a temporary copy). */
  | { readonly _tag: "Delete"; readonly index: number }

export interface RepairPlan {
  readonly steps: ReadonlyArray<RepairStep>
  /** The record once every step ran: no terminating shard left. */
  readonly record: StageRecord
  /** What was repaired, for the Event: each released shard and where its entries went. */
  readonly repaired: ReadonlyArray<{ readonly index: number; readonly to: number }>
}

const union = (a: ReadonlyArray<Entry>, b: ReadonlyArray<Entry>): ReadonlyArray<Entry> => {
  const byId = new Map<string, Entry>()
  for (const entry of [...a, ...b]) byId.set(entry.id, entry)
  return [...byId.values()].sort(Order.mapInput(Order.string, (entry: Entry) => entry.id))
}

/**
 * The steps that leave no terminating shard, none above `cap`: a lost shard k > 0 moves
 * its entries into the lowest live shard with room for all of them, else into a new shard;
 * a lost shard 0 is copied to a new shard, released, written again with its entries, and
 * the copy deleted. Nothing when no shard is terminating.
 */
export const planRepair = (record: StageRecord, cap: number): RepairPlan => {
  const layout = new Map<number, Shard>(record.shards.map((s) => [s.index, s]))
  let next = record.shards.reduce((max, s) => Math.max(max, s.index), -1) + 1
  const steps: Array<RepairStep> = []
  const repaired: Array<{ index: number; to: number }> = []
  // A shard that gains entries keeps its digest (its claims stay true); a new one has none;
  // shard 0, deleted and written afresh, gets its digest back once it holds its entries.
  for (const lost of record.shards.filter((s) => s.terminating === true)) {
    if (lost.index === 0) {
      const copy = next++
      steps.push(
        { _tag: "Put", index: copy, entries: lost.entries },
        { _tag: "Release", index: 0 },
        { _tag: "Put", index: 0, entries: lost.entries },
        ...(lost.digest === undefined
          ? []
          : [{ _tag: "Digest" as const, index: 0, digest: lost.digest }]),
        { _tag: "Delete", index: copy },
      )
      const { terminating: _terminating, ...rewritten } = lost
      layout.set(0, rewritten)
      repaired.push({ index: 0, to: 0 })
      continue
    }
    const target = [...layout.values()]
      .filter((s) => s.terminating !== true && s.index !== lost.index)
      .sort((a, b) => a.index - b.index)
      .find((s) => union(s.entries, lost.entries).length <= cap)
    const to = target?.index ?? next++
    const entries = union(target?.entries ?? [], lost.entries)
    steps.push({ _tag: "Put", index: to, entries }, { _tag: "Release", index: lost.index })
    layout.set(to, { ...target, index: to, entries })
    layout.delete(lost.index)
    repaired.push({ index: lost.index, to })
  }
  return {
    steps,
    record: { ...record, shards: [...layout.values()].sort((a, b) => a.index - b.index) },
    repaired,
  }
}
