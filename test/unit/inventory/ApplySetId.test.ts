import { describe, expect, it } from "@effect/vitest"
import { applySetId, stageApplySetId } from "../../../src/inventory/ApplySetId.ts"

describe("applySetId", () => {
  it("matches kubectl's test vectors", () => {
    expect(applySetId({ name: "my-set", namespace: "test", kind: "Secret", group: "" })).toBe(
      "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1",
    )
    expect(
      applySetId({ name: "my-set", namespace: "", kind: "ApplySet", group: "company.com" }),
    ).toBe("applyset-rhp1a-HVAVT_dFgyEygyA1BEB82HPp2o10UiFTpqtAs-v1")
  })

  it("uses shard 0 of the stage as the parent", () => {
    const id = stageApplySetId("payments", "payments", "application")
    expect(id).toBe(
      applySetId({
        name: "payments-application-0",
        namespace: "payments",
        kind: "StageInventory",
        group: "stages.metio.wtf",
      }),
    )
    // fits a label value, with no padding
    expect(id).toMatch(/^applyset-[A-Za-z0-9_-]{43}-v1$/)
    expect(id.length).toBeLessThanOrEqual(63)
    expect(stageApplySetId("other", "payments", "application")).not.toBe(id)
  })
})
