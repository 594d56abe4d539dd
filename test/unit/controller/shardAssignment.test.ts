import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import {
  acquireOrder,
  fnv1a32,
  type ShardLeaseState,
  shardQuota,
  shardsToTake,
  stageSetShard,
} from "../../../src/controller/shardAssignment.ts"

describe("shard assignment", () => {
  it("FNV-1a 32 matches the published test vectors (UTF-8 bytes)", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5)
    expect(fnv1a32("a")).toBe(0xe40c292c)
    expect(fnv1a32("foobar")).toBe(0xbf9cf968)
    // Non-ASCII names hash their UTF-8 bytes (0xc3 0xa9), not UTF-16 code units.
    expect(fnv1a32("é")).toBe(
      Math.imul((Math.imul(0x811c9dc5 ^ 0xc3, 0x01000193) >>> 0) ^ 0xa9, 0x01000193) >>> 0,
    )
  })

  it("a StageSet's shard is stable and within range", () =>
    FastCheck.assert(
      FastCheck.property(FastCheck.string(), FastCheck.integer({ min: 1, max: 64 }), (key, n) => {
        const shard = stageSetShard(key, n)
        return Number.isInteger(shard) && shard >= 0 && shard < n && stageSetShard(key, n) === shard
      }),
    ))

  it("with one shard everything is shard 0", () => {
    expect(stageSetShard("team/app", 1)).toBe(0)
  })

  it("keys spread over the shards", () => {
    const counts = new Map<number, number>()
    for (let i = 0; i < 1000; i++) {
      const shard = stageSetShard(`ns-${i % 7}/app-${i}`, 4)
      counts.set(shard, (counts.get(shard) ?? 0) + 1)
    }
    expect(counts.size).toBe(4)
    for (const c of counts.values()) expect(c).toBeGreaterThan(150)
  })

  it("the fair shares of all replicas cover every shard", () =>
    FastCheck.assert(
      FastCheck.property(
        FastCheck.integer({ min: 1, max: 64 }),
        FastCheck.integer({ min: 0, max: 20 }),
        (n, others) => shardQuota(n, others) * (others + 1) >= n && shardQuota(n, others) >= 1,
      ),
    ))

  it("a replica alone takes all; two take half each", () => {
    expect(shardQuota(4, 0)).toBe(4)
    expect(shardQuota(4, 1)).toBe(2)
    expect(shardQuota(5, 1)).toBe(3)
  })

  it("the acquire order is a rotation of all shards that depends on the identity", () => {
    for (const id of ["a", "b", "pod-1_beef"]) {
      const order = acquireOrder(id, 4)
      expect([...order].sort()).toEqual([0, 1, 2, 3])
      expect(order[0]).toBe(fnv1a32(id) % 4)
    }
    expect(acquireOrder("a", 4)).not.toEqual(acquireOrder("b", 4))
  })

  describe("shardsToTake", () => {
    const order = [2, 3, 0, 1]
    const states = (...list: Array<ShardLeaseState>) =>
      new Map(list.map((state, shard) => [shard, state] as const))
    const free: ShardLeaseState = { _tag: "Free" }
    const abandoned: ShardLeaseState = { _tag: "Abandoned" }
    const held = (holder: string): ShardLeaseState => ({ _tag: "Held", holder })

    it("takes one free shard per round, the first in its order", () => {
      expect(shardsToTake(4, order, states(free, free, free, free), new Set())).toEqual([2])
      expect(shardsToTake(4, order, states(free, free, free, free), new Set([2]))).toEqual([3])
    })

    it("takes every abandoned shard at once, up to the fair share", () => {
      // Abandoned ones first (their StageSets wait), then one free one.
      expect(
        shardsToTake(4, order, states(abandoned, abandoned, abandoned, free), new Set()),
      ).toEqual([2, 0, 1, 3])
      // One other replica holds shard 3: the share is 2.
      expect(
        shardsToTake(4, order, states(abandoned, abandoned, abandoned, held("b")), new Set()),
      ).toEqual([2, 0])
    })

    it("stops at the fair share counted from the other holders", () => {
      // Two others: the share is ceil(4 / 3) = 2.
      const two = states(held("b"), held("c"), free, free)
      expect(shardsToTake(4, order, two, new Set())).toEqual([2])
      expect(shardsToTake(4, order, two, new Set([2]))).toEqual([3])
      expect(shardsToTake(4, order, two, new Set([2, 3]))).toEqual([])
    })

    it("never takes what another replica holds, nor what it could not read", () => {
      expect(shardsToTake(2, [0, 1], states(held("b"), { _tag: "Unknown" }), new Set())).toEqual([])
    })
  })
})
