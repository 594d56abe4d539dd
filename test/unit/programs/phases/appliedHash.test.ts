import { describe, expect, it } from "@effect/vitest"
import { appliedHash } from "../../../../src/programs/phases/fastPath.ts"

const object = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "a", namespace: "ns" },
  data: { k: "v" },
}
const fail = { action: "Fail", allowDataLoss: false } as const

describe("appliedHash", () => {
  // The hash is part of every fingerprint in the shards' applied digests: if it changed
  // between versions, a restart after an upgrade would apply every member again.
  it("is the digest earlier versions computed for the same object, action and identity", () => {
    expect(appliedHash(object, fail, undefined)).toBe("Ydh-veqSpfVIT5FJewgCnQF3opkIokEzPXxraIQOmn8")
    expect(appliedHash(object, fail, "deployer")).toBe(
      "VLwyob5iGdWxKq60hI8Zo8nTMpHSp8Xk8Ul4fu-h6Gw",
    )
  })

  it("changes with what is applied, how, and as whom", () => {
    const base = appliedHash(object, fail, undefined)
    expect(appliedHash({ ...object, data: { k: "w" } }, fail, undefined)).not.toBe(base)
    expect(appliedHash(object, { action: "Recreate", allowDataLoss: false }, undefined)).not.toBe(
      base,
    )
    expect(appliedHash(object, fail, "deployer")).not.toBe(base)
  })
})
