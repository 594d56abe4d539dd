import { describe, expect, it } from "@effect/vitest"
import {
  isVersion,
  parseVersion,
  versionAtLeast,
} from "../../../../src/programs/version/semanticVersion.ts"

const v = (text: string) => parseVersion(text)!

describe("semantic versions", () => {
  it("reads what the Go implementation reads: a v prefix, pre-releases, the short forms", () => {
    expect(parseVersion("1.2.3")?.version).toBe("1.2.3")
    expect(parseVersion("v1.2.3")?.version).toBe("1.2.3")
    expect(parseVersion(" 2.0.0-rc.1+build.7 \n")?.version).toBe("2.0.0-rc.1")
    expect(parseVersion("5.2")?.version).toBe("5.2.0")
    expect(parseVersion("v7")?.version).toBe("7.0.0")
  })

  it("refuses what is not a version", () => {
    for (const text of ["", "latest", "1.2.3.4", "1.2.x", "version 1.2.3"])
      expect(isVersion(text), text).toBe(false)
  })

  it("compares by semver precedence: a pre-release is below its release, build metadata is ignored", () => {
    expect(versionAtLeast("5.2.0", v("5.2"))).toBe(true)
    expect(versionAtLeast("5.10.0", v("5.9.0"))).toBe(true)
    expect(versionAtLeast("5.2.0-rc.1", v("5.2.0"))).toBe(false)
    expect(versionAtLeast("1.0.0+b2", v("1.0.0+b9"))).toBe(true)
    expect(versionAtLeast("1.9.9", v("2.0.0"))).toBe(false)
  })

  it("is not at any floor without a deployed version, or with one that is not a version", () => {
    expect(versionAtLeast(undefined, v("0.0.1"))).toBe(false)
    expect(versionAtLeast("unknown", v("0.0.1"))).toBe(false)
  })
})
