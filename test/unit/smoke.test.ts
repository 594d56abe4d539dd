import { describe, expect, it } from "@effect/vitest"
import { parseApiVersion } from "../../src/kube/KubeObject.ts"

describe("parseApiVersion", () => {
  it("splits group and version, core group empty", () => {
    expect(parseApiVersion("apps/v1")).toEqual({ group: "apps", version: "v1" })
    expect(parseApiVersion("v1")).toEqual({ group: "", version: "v1" })
  })
})
