import { describe, expect, it } from "@effect/vitest"
import { contentRevision } from "../../../src/render/revision.ts"

describe("contentRevision", () => {
  const files = [
    { path: "a.yaml", content: "kind: A\n" },
    { path: "b.yaml", content: "kind: B\n" },
  ]

  it("is sha256:<hex> and stable", () => {
    const revision = contentRevision(files)
    expect(revision).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(contentRevision(files.map((f) => ({ ...f })))).toBe(revision)
  })

  it("changes with any name or content", () => {
    const revision = contentRevision(files)
    expect(contentRevision([{ ...files[0]!, content: "kind: A2\n" }, files[1]!])).not.toBe(revision)
    expect(contentRevision([{ ...files[0]!, path: "c.yaml" }, files[1]!])).not.toBe(revision)
    expect(contentRevision([files[0]!])).not.toBe(revision)
    expect(contentRevision([files[1]!, files[0]!])).not.toBe(revision)
  })

  it("cannot be fooled by moving bytes between names and contents", () => {
    expect(contentRevision([{ path: "ab", content: "c" }])).not.toBe(
      contentRevision([{ path: "a", content: "bc" }]),
    )
    expect(
      contentRevision([
        { path: "a", content: "" },
        { path: "", content: "b" },
      ]),
    ).not.toBe(contentRevision([{ path: "a", content: "b" }]))
  })

  it("differs for no files and one empty file", () => {
    expect(contentRevision([])).not.toBe(contentRevision([{ path: "", content: "" }]))
  })
})
