/**
 * Stable, minimal-write shard assignment (semantics.md section 3).
 *
 * Layout rules:
 * - an entry stays in the shard it is in (an entry whose `v` changed is
 *   rewritten in place); removed entries leave holes;
 * - new entries fill the lowest shard with room; a shard is appended only when
 *   every shard is full;
 * - the layout is compacted (entries of the highest shards move down into
 *   holes, those shards are deleted) only when the shard count exceeds
 *   ceil(n/cap) + 1, and then down to max(1, ceil(n/cap)) shards;
 * - a shard over the cap (the cap was lowered) keeps its first `cap` entries by
 *   id and the rest are placed like new entries;
 * - shard 0 always exists; entries in a shard are sorted by id.
 *
 * Damaged input is repaired rather than refused: an id stored in two shards (a
 * crash in the middle of a move) stays in the lowest one, which completes the
 * move; an unsorted shard is rewritten sorted.
 *
 * Step order, and why it is safe when the process dies after any step:
 * 1. Puts of every shard that receives a placed entry (a new entry, or one that
 *    moves in), and of every new shard, lowest index first.
 * 2. Puts of the other shards whose content changes (they only lose entries or
 *    change a `v`), lowest first.
 * 3. Deletes of the shards past the new count, highest first.
 * Every Put writes a shard's final content, which never exceeds the cap.
 * A shard that receives placements had room, so it was neither over the cap
 * nor past the new count, so it keeps every entry it holds as home (the lowest
 * shard holding an id). Hence in phase 1 each stored entry sits in its home
 * (unwritten, or written with it) or already in its destination; when phase 1
 * ends every moved entry is at its destination, so phase 2 (which only drops
 * entries that moved out or left `desired`) and the deletes never remove the
 * last copy of a desired entry. A move is thus "destination before source",
 * with a transient duplicate in between. Creating new shards in ascending order
 * in phase 1 keeps the shard indices contiguous if a crash interrupts.
 *
 * Cost: linear in the number of stored and desired entries, plus sorting the
 * entries that are placed and any stored shard that was not sorted.
 */
import { Order } from "effect"
import type { Entry } from "./Entry.ts"

export type ShardStep =
  | { readonly _tag: "Put"; readonly index: number; readonly entries: ReadonlyArray<Entry> }
  | { readonly _tag: "Delete"; readonly index: number }

export interface ShardPlan {
  /** The final content of shards 0..layout.length-1. */
  readonly layout: ReadonlyArray<ReadonlyArray<Entry>>
  /** The writes that take the stored shards to `layout`, in a crash-safe order. */
  readonly steps: ReadonlyArray<ShardStep>
}

const compareById: Order.Order<Entry> = Order.mapInput(Order.string, (entry: Entry) => entry.id)

/** Strictly ascending ids: sorted and free of duplicates. */
const isSortedById = (entries: ReadonlyArray<Entry>): boolean => {
  for (let i = 1; i < entries.length; i++) {
    if (entries[i - 1]!.id >= entries[i]!.id) return false
  }
  return true
}

const sameEntries = (a: ReadonlyArray<Entry>, b: ReadonlyArray<Entry>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x.id !== y.id || x.v !== y.v) return false
  }
  return true
}

/** Merges two lists sorted by id (their ids are disjoint). */
const mergeById = (a: ReadonlyArray<Entry>, b: ReadonlyArray<Entry>): Array<Entry> => {
  const out: Array<Entry> = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i]!.id < b[j]!.id) out.push(a[i++]!)
    else out.push(b[j++]!)
  }
  while (i < a.length) out.push(a[i++]!)
  while (j < b.length) out.push(b[j++]!)
  return out
}

/** The fewest shards `n` entries fit in; shard 0 exists even for none. */
export const shardsNeeded = (n: number, cap: number): number => Math.max(1, Math.ceil(n / cap))

/** The most shards a layout of `n` entries may keep before it is compacted. */
export const shardCountLimit = (n: number, cap: number): number => Math.ceil(n / cap) + 1

export const planShards = (
  current: ReadonlyArray<ReadonlyArray<Entry>>,
  desired: ReadonlyArray<Entry>,
  cap: number,
): ShardPlan => {
  if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`shard cap must be >= 1, got ${cap}`)

  // Ids are unique by contract; should one repeat, the last occurrence wins.
  const unclaimed = new Map<string, Entry>()
  for (const entry of desired) unclaimed.set(entry.id, entry)
  const n = unclaimed.size

  // Each stored id's home is the lowest shard holding it. `kept[k]` holds the
  // desired entries whose home is k, with the desired `v`, in stored order.
  // Claiming an id removes it from `unclaimed`, so a later copy (a duplicate)
  // is dropped and what is left at the end was stored nowhere: it is new.
  const kept: Array<Array<Entry>> = []
  for (let k = 0; k < current.length; k++) {
    const bucket: Array<Entry> = []
    for (const entry of current[k]!) {
      const want = unclaimed.get(entry.id)
      if (want === undefined) continue
      unclaimed.delete(entry.id)
      bucket.push(want)
    }
    if (!isSortedById(bucket)) bucket.sort(compareById)
    kept.push(bucket)
  }

  const toPlace: Array<Entry> = [...unclaimed.values()]

  // A lowered cap: split what no longer fits, keeping the lowest ids in place.
  for (let k = 0; k < kept.length; k++) {
    const bucket = kept[k]!
    if (bucket.length <= cap) continue
    for (let i = cap; i < bucket.length; i++) toPlace.push(bucket[i]!)
    kept[k] = bucket.slice(0, cap)
  }

  let count = Math.max(current.length, 1)
  if (count > shardCountLimit(n, cap)) {
    count = shardsNeeded(n, cap)
    for (let k = count; k < kept.length; k++) for (const entry of kept[k]!) toPlace.push(entry)
  }
  kept.length = Math.min(kept.length, count)
  while (kept.length < count) kept.push([])

  // Lowest shard with room first. Room only shrinks while placing, so one
  // cursor that never moves back finds it; sorted input keeps each shard's
  // received list sorted.
  toPlace.sort(compareById)
  const received: Array<Array<Entry> | undefined> = []
  let cursor = 0
  for (const entry of toPlace) {
    while (cursor < kept.length && kept[cursor]!.length + (received[cursor]?.length ?? 0) >= cap)
      cursor++
    if (cursor === kept.length) kept.push([])
    const bucket = received[cursor]
    if (bucket === undefined) received[cursor] = [entry]
    else bucket.push(entry)
  }

  const layout: Array<ReadonlyArray<Entry>> = []
  const receiving: Array<ShardStep> = []
  const trimming: Array<ShardStep> = []
  for (let k = 0; k < kept.length; k++) {
    const incoming = received[k]
    const entries = incoming === undefined ? kept[k]! : mergeById(kept[k]!, incoming)
    const stored = current[k]
    if (stored !== undefined && sameEntries(stored, entries)) {
      // Unchanged: share the stored array rather than a copy.
      layout.push(stored)
      continue
    }
    layout.push(entries)
    const put: ShardStep = { _tag: "Put", index: k, entries }
    if (incoming !== undefined || stored === undefined) receiving.push(put)
    else trimming.push(put)
  }

  const deletes: Array<ShardStep> = []
  for (let k = current.length - 1; k >= layout.length; k--)
    deletes.push({ _tag: "Delete", index: k })

  return { layout, steps: [...receiving, ...trimming, ...deletes] }
}
