import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { Entry } from "../../../src/inventory/Entry.ts"
import { planShards, type ShardPlan } from "../../../src/inventory/ShardPlan.ts"

const idOf = (i: number): string => `ns_cm-${String(i).padStart(6, "0")}__ConfigMap`
const entry = (i: number, v = "v1"): Entry => ({ id: idOf(i), v })
const range = (from: number, to: number): Array<number> =>
  Array.from({ length: to - from }, (_, i) => from + i)
const sorted = (entries: ReadonlyArray<Entry>): Array<Entry> =>
  [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

const isSorted = (entries: ReadonlyArray<Entry>): boolean =>
  entries.every((e, i) => i === 0 || entries[i - 1]!.id < e.id)
const same = (a: ReadonlyArray<Entry>, b: ReadonlyArray<Entry>): boolean =>
  a.length === b.length && a.every((e, i) => e.id === b[i]!.id && e.v === b[i]!.v)

/**
 * Runs `plan.steps` against `current`, checking the crash-safety rules after
 * every step, and returns the final state.
 */
const execute = (
  current: ReadonlyArray<ReadonlyArray<Entry>>,
  desired: ReadonlyArray<Entry>,
  cap: number,
  plan: ShardPlan,
): Map<number, ReadonlyArray<Entry>> => {
  const state = new Map<number, ReadonlyArray<Entry>>(current.map((entries, k) => [k, entries]))
  const wanted = new Set(desired.map((e) => e.id))
  const mustStay = new Set<string>()
  for (const shard of current) for (const e of shard) if (wanted.has(e.id)) mustStay.add(e.id)
  const written = new Set<number>()
  let deleting = false
  for (const step of plan.steps) {
    if (step._tag === "Put") {
      expect(deleting, "deletes come last").toBe(false)
      expect(written.has(step.index), "one Put per shard").toBe(false)
      written.add(step.index)
      // (a) no written shard exceeds the cap
      expect(step.entries.length).toBeLessThanOrEqual(cap)
      // creations are contiguous: shard k-1 exists before shard k
      if (step.index > 0) expect(state.has(step.index - 1)).toBe(true)
      // only shards whose content changes are written (shard 0 may be created empty)
      const before = state.get(step.index)
      if (before !== undefined) expect(same(step.entries, before)).toBe(false)
      state.set(step.index, step.entries)
    } else {
      deleting = true
      // highest first: nothing above the deleted shard is left
      expect(Math.max(...state.keys())).toBe(step.index)
      state.delete(step.index)
    }
    // (b) every stored desired entry is still stored somewhere
    const present = new Set<string>()
    for (const shard of state.values()) for (const e of shard) present.add(e.id)
    const lost = [...mustStay].filter((id) => !present.has(id))
    expect(lost, `lost after ${step._tag} ${step.index}`).toEqual([])
  }
  return state
}

const checkPlan = (
  current: ReadonlyArray<ReadonlyArray<Entry>>,
  desired: ReadonlyArray<Entry>,
  cap: number,
): ShardPlan => {
  const plan = planShards(current, desired, cap)
  const { layout } = plan
  const n = desired.length
  // shard 0 always present; count bounded
  expect(layout.length).toBeGreaterThanOrEqual(1)
  expect(layout.length).toBeLessThanOrEqual(Math.ceil(n / cap) + 1)
  // every shard within cap and sorted; union == desired without duplicates
  const seen = new Map<string, string>()
  let duplicates = 0
  for (const shard of layout) {
    expect(shard.length).toBeLessThanOrEqual(cap)
    expect(isSorted(shard)).toBe(true)
    for (const e of shard) {
      if (seen.has(e.id)) duplicates++
      seen.set(e.id, e.v)
    }
  }
  expect(duplicates).toBe(0)
  expect(seen.size).toBe(desired.length)
  expect(desired.filter((e) => seen.get(e.id) !== e.v)).toEqual([])
  // applying the steps to current yields the layout
  const state = execute(current, desired, cap, plan)
  expect([...state.keys()].sort((a, b) => a - b)).toEqual(range(0, layout.length))
  for (const [k, shard] of state) expect(shard === layout[k] || same(shard, layout[k]!)).toBe(true)
  // a shard is appended only when every other shard is full
  if (layout.length > Math.max(current.length, 1))
    for (const shard of layout.slice(0, -1)) expect(shard.length).toBe(cap)
  // stability: unless the layout is compacted or the home shard overflows,
  // a stored entry stays in the shard it is in
  const home = new Map<string, number>()
  current.forEach((shard, k) => {
    for (const e of shard) if (!home.has(e.id)) home.set(e.id, k)
  })
  const homeLoad = new Map<number, number>()
  for (const e of desired) {
    const h = home.get(e.id)
    if (h !== undefined) homeLoad.set(h, (homeLoad.get(h) ?? 0) + 1)
  }
  const placedIn = new Map<string, number>()
  layout.forEach((shard, k) => {
    for (const e of shard) placedIn.set(e.id, k)
  })
  if (layout.length >= current.length)
    expect(
      desired.filter((e) => {
        const h = home.get(e.id)
        return h !== undefined && (homeLoad.get(h) ?? 0) <= cap && placedIn.get(e.id) !== h
      }),
    ).toEqual([])
  // planning again from the result changes nothing
  expect(planShards(layout, desired, cap).steps).toEqual([])
  return plan
}

/** Stored shards as the controller writes them: disjoint, sorted, at most `oldCap` each. */
const wellFormed = fc
  .record({
    universe: fc.integer({ min: 0, max: 60 }),
    oldCap: fc.integer({ min: 1, max: 8 }),
    cap: fc.integer({ min: 1, max: 8 }),
    seed: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 200, maxLength: 200 }),
  })
  .map(({ universe, oldCap, cap, seed }) => {
    let s = 0
    const next = () => seed[s++ % seed.length]!
    const shardCount = next() % 9
    const current: Array<Array<Entry>> = Array.from({ length: shardCount }, () => [])
    for (const i of range(0, universe)) {
      if (shardCount === 0 || next() % 3 === 0) continue
      const k = next() % shardCount
      if (current[k]!.length < oldCap) current[k]!.push(entry(i, next() % 5 === 0 ? "v2" : "v1"))
    }
    const desired = range(0, universe + 10)
      .filter(() => next() % 3 !== 0)
      .map((i) => entry(i, next() % 7 === 0 ? "v2" : "v1"))
    return { current: current.map(sorted), desired, cap }
  })

/** Damaged stored shards: duplicates within and across shards, unsorted, over any cap. */
const damaged = fc.record({
  current: fc.array(
    fc.array(
      fc.integer({ min: 0, max: 30 }).map((i) => entry(i)),
      { maxLength: 12 },
    ),
    {
      maxLength: 6,
    },
  ),
  desired: fc
    .uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 40 })
    .map((is) => is.map((i) => entry(i, i % 4 === 0 ? "v2" : "v1"))),
  cap: fc.integer({ min: 1, max: 6 }),
})

describe("planShards", () => {
  it("keeps every rule on stored layouts, including cap changes", () => {
    fc.assert(
      fc.property(wellFormed, ({ current, desired, cap }) => {
        checkPlan(current, desired, cap)
      }),
      { numRuns: 300 },
    )
  })

  it("repairs damaged layouts without ever losing an entry", () => {
    fc.assert(
      fc.property(damaged, ({ current, desired, cap }) => {
        checkPlan(current, desired, cap)
      }),
      { numRuns: 300 },
    )
  })

  it("creates shard 0 even for an empty stage", () => {
    expect(planShards([], [], 5)).toEqual({
      layout: [[]],
      steps: [{ _tag: "Put", index: 0, entries: [] }],
    })
    expect(planShards([[]], [], 5).steps).toEqual([])
    expect(
      checkPlan(
        [],
        range(0, 7).map((i) => entry(i)),
        3,
      ).steps.map((s) => s.index),
    ).toEqual([0, 1, 2])
  })

  it("empties and compacts when everything is removed", () => {
    const current = [range(0, 3).map((i) => entry(i)), range(3, 6).map((i) => entry(i)), [entry(6)]]
    const plan = checkPlan(current, [], 3)
    expect(plan.layout).toEqual([[]])
    expect(plan.steps).toEqual([
      { _tag: "Put", index: 0, entries: [] },
      { _tag: "Delete", index: 2 },
      { _tag: "Delete", index: 1 },
    ])
  })

  it("writes the destination before the source when compacting", () => {
    // 4 shards of cap 3 with holes, 4 entries left: limit ceil(4/3)+1 = 3 < 4
    const current = [[entry(0)], [entry(3)], [entry(6)], [entry(9)]]
    const desired = [0, 3, 6, 9].map((i) => entry(i))
    const plan = checkPlan(current, desired, 3)
    expect(plan.layout).toEqual([[entry(0), entry(6), entry(9)], [entry(3)]])
    expect(plan.steps).toEqual([
      { _tag: "Put", index: 0, entries: [entry(0), entry(6), entry(9)] },
      { _tag: "Delete", index: 3 },
      { _tag: "Delete", index: 2 },
    ])
  })

  it("splits shards over a lowered cap, writing the new shards first", () => {
    const current = [range(0, 7).map((i) => entry(i))]
    const desired = range(0, 7).map((i) => entry(i))
    const plan = checkPlan(current, desired, 3)
    expect(plan.layout.map((s) => s.length)).toEqual([3, 3, 1])
    expect(plan.steps.map((s) => `${s._tag}${s.index}`)).toEqual(["Put1", "Put2", "Put0"])
  })

  it("updates a changed apiVersion in place", () => {
    const current = [[entry(0), entry(1)], [entry(2)]]
    const plan = checkPlan(current, [entry(0), entry(1, "v2"), entry(2)], 2)
    expect(plan.steps).toEqual([{ _tag: "Put", index: 0, entries: [entry(0), entry(1, "v2")] }])
  })

  describe("a 50 000-entry stage with cap 5 000", () => {
    const cap = 5000
    const full = range(0, 10).map((k) => range(k * cap, (k + 1) * cap).map((i) => entry(i)))
    const all = full.flat()

    it("writes nothing in the steady state", () => {
      const plan = planShards(full, all, cap)
      expect(plan.steps).toEqual([])
      expect(plan.layout).toHaveLength(10)
      expect(plan.layout[3]).toBe(full[3])
    })

    it("adds one entry to a full layout with exactly one Put, a new shard", () => {
      const plan = planShards(full, [...all, entry(99_999)], cap)
      expect(plan.steps).toEqual([{ _tag: "Put", index: 10, entries: [entry(99_999)] }])
    })

    it("adds one entry into the lowest hole with exactly one Put", () => {
      // holes in shards 4 and 7
      const holed = full.map((shard, k) => (k === 4 || k === 7 ? shard.slice(1) : shard))
      const desired = [...holed.flat(), entry(99_999)]
      const plan = checkPlan(holed, desired, cap)
      expect(plan.steps).toHaveLength(1)
      expect(plan.steps[0]).toMatchObject({ _tag: "Put", index: 4 })
      expect(plan.steps[0]?._tag === "Put" && plan.steps[0].entries.length).toBe(cap)
    })

    it("removing entries leaves holes without moving anything", () => {
      const desired = all.filter((_, i) => i % 1000 !== 0)
      const plan = planShards(full, desired, cap)
      expect(plan.steps.map((s) => s.index)).toEqual(range(0, 10))
      expect(plan.steps.every((s) => s._tag === "Put")).toBe(true)
    })
  })
})
