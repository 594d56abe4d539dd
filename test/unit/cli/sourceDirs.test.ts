import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseSourceDirs, sourceDirOf } from "../../../src/cli/sourceDirs.ts"

const stages = ["infra", "app"]

describe("parseSourceDirs", () => {
  it("maps STAGE=PATH to its stage and a bare PATH to every other stage", () => {
    const dirs = Either.getOrThrow(parseSourceDirs(["./checkout", "infra=./infra-out"], stages))
    expect(sourceDirOf(dirs, "infra")).toBe("./infra-out")
    expect(sourceDirOf(dirs, "app")).toBe("./checkout")
  })

  it("leaves stages without a directory to their source", () => {
    const dirs = Either.getOrThrow(parseSourceDirs(["app=out"], stages))
    expect(sourceDirOf(dirs, "infra")).toBeUndefined()
    expect(sourceDirOf(dirs, "app")).toBe("out")
  })

  it("reads a prefix that is no stage name as part of the path", () => {
    const dirs = Either.getOrThrow(parseSourceDirs(["./out=dir"], stages))
    expect(sourceDirOf(dirs, "app")).toBe("./out=dir")
  })

  it("refuses an unknown stage, an empty path, a stage twice and two bare paths, naming them", () => {
    expect(parseSourceDirs(["web=./x"], stages)).toEqual(
      Either.left('--source-dir web=./x: the StageSet has no stage "web" (stages: infra, app)'),
    )
    expect(parseSourceDirs(["app="], stages)).toEqual(
      Either.left('--source-dir app=: no path after "="'),
    )
    expect(parseSourceDirs(["app=a", "app=b"], stages)).toEqual(
      Either.left('--source-dir: stage "app" is given more than once'),
    )
    expect(Either.isLeft(parseSourceDirs(["a", "b"], stages))).toBe(true)
    expect(parseSourceDirs([""], stages)).toEqual(Either.left("--source-dir: empty path"))
  })
})
