import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { matchesLabels, parseLabelSelector } from "../../../../layers/inmemory/LabelSelector.ts"

const matches = (selector: string, labels: Record<string, string>): boolean =>
  Either.match(parseLabelSelector(selector), {
    onLeft: (error) => {
      throw new Error(error)
    },
    onRight: (parsed) => matchesLabels(parsed, labels),
  })

describe("parseLabelSelector", () => {
  it("equality, inequality, existence", () => {
    expect(matches("app=web", { app: "web" })).toBe(true)
    expect(matches("app==web", { app: "db" })).toBe(false)
    expect(matches("app!=web", {})).toBe(true)
    expect(matches("app!=web", { app: "web" })).toBe(false)
    expect(matches("app", { app: "" })).toBe(true)
    expect(matches("!app", { app: "x" })).toBe(false)
    expect(matches("app=", { app: "" })).toBe(true)
  })

  it("set-based requirements and AND with prefixed keys", () => {
    const labels = { "app.kubernetes.io/name": "web", tier: "front" }
    expect(matches("app.kubernetes.io/name in (web, api), tier notin (back)", labels)).toBe(true)
    expect(matches("app.kubernetes.io/name in (api),tier", labels)).toBe(false)
    expect(matches("tier notin (front)", labels)).toBe(false)
    expect(matches("missing notin (x)", labels)).toBe(true)
    expect(matches("", labels)).toBe(true)
  })

  it("rejects malformed selectors", () => {
    for (const bad of ["a in (", "a in ()", "a b", "a,", "=x", "a in x", "a@b"])
      expect(Either.isLeft(parseLabelSelector(bad))).toBe(true)
  })
})
