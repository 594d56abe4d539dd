import { describe, expect, it } from "@effect/vitest"
import {
  checkShardNames,
  MAX_NAME_LENGTH,
  shardName,
  shardNameFits,
} from "../../../src/inventory/ShardName.ts"

describe("shardName", () => {
  it("is <stageset>-<stage>-<index>", () => {
    expect(shardName("payments", "application", 0)).toBe("payments-application-0")
    expect(shardName("payments", "application", 12)).toBe("payments-application-12")
  })

  it("accepts ordinary names and reports overflow", () => {
    expect(checkShardNames("payments", "application")).toBeUndefined()
    // 63 + 63 + separators + 5 digits = 133: fits
    expect(checkShardNames("a".repeat(63), "b".repeat(63))).toBeUndefined()
    expect(checkShardNames("a".repeat(64), "b")).toContain("63")
    expect(checkShardNames("a", "b".repeat(64))).toContain("stages.metio.wtf/stage")
    const long = checkShardNames("a".repeat(245), "stage")
    expect(long).toContain(String(MAX_NAME_LENGTH))
    expect(shardNameFits("a".repeat(249), "b", 0)).toBe(true)
    expect(shardNameFits("a".repeat(249), "b", 10)).toBe(false)
  })
})
