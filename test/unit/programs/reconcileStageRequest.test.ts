import { describe, expect, it } from "@effect/vitest"
import {
  formatReconcileStage,
  parseReconcileStage,
} from "../../../src/programs/stageSet/reconcileStageRequest.ts"

describe("parseReconcileStage", () => {
  it("reads <stage>@<token> and the bare <stage> form", () => {
    expect(parseReconcileStage("app@2026-01-02T03:04:05.000Z")).toEqual({
      stage: "app",
      token: "2026-01-02T03:04:05.000Z",
    })
    expect(parseReconcileStage("app")).toEqual({ stage: "app" })
    expect(parseReconcileStage(formatReconcileStage("db", "t@1"))).toEqual({
      stage: "db",
      token: "t@1",
    })
  })

  it("is no request when absent or malformed", () => {
    for (const value of [undefined, "", "@t", "app@"])
      expect(parseReconcileStage(value)).toBeUndefined()
  })
})
