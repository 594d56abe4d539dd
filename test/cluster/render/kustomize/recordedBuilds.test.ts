import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Kustomize } from "../../../../src/programs/Kustomize.ts"
import { recordedBuilds } from "../../../acceptance/harness/recordedKustomize.ts"
import { KustomizeForTests } from "../../fixtures/kustomize.ts"

/**
 * The in-memory scenarios replay kustomize builds recorded from the live ones. Each
 * recording must still be what the binary prints for its tree, or a replay would claim a
 * build the binary does not do (after a kustomize upgrade, for example): re-record then.
 */
describe("recorded kustomize builds", () => {
  const builds = recordedBuilds()

  it("there is at least one (the in-memory S25 replays it)", () => {
    expect(builds.length).toBeGreaterThan(0)
  })

  it.effect.each(builds.map((build, i) => ({ ...build, name: `#${i} ./${build.dir}` })))(
    "$name: the binary prints the recorded output for the recorded tree",
    (build) =>
      Effect.gen(function* () {
        const kustomize = yield* Kustomize
        expect(yield* kustomize.build(build.files, build.dir)).toBe(build.output)
      }).pipe(Effect.provide(KustomizeForTests())),
  )
})
