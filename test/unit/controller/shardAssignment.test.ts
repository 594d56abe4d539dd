import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import {
  acquireOrder,
  fnv1a32,
  shardQuota,
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
})
