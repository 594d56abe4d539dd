import { describe, expect, it } from "@effect/vitest"
import type { KubeObject } from "../../../../src/kube/KubeObject.ts"
import { dependencyHold } from "../../../../src/programs/dependsOn/dependencyHold.ts"
import { dependencyKeysOf } from "../../../../src/programs/dependsOn/dependencyKeys.ts"
import { parseVersion } from "../../../../src/programs/version/semanticVersion.ts"

const stageSet = (
  generation: number,
  ready: { status: "True" | "False"; reason: string; observedGeneration?: number } | undefined,
  version?: string,
): KubeObject => ({
  apiVersion: "stages.metio.wtf/v1",
  kind: "StageSet",
  metadata: { name: "platform", namespace: "infra", generation },
  spec: {},
  status: {
    observedGeneration: generation,
    ...(version === undefined ? {} : { version }),
    conditions:
      ready === undefined
        ? []
        : [{ type: "Ready", message: "", lastTransitionTime: "2026-12-01T00:00:00Z", ...ready }],
  },
})

const plain = { key: "infra/platform" }
const atLeast = (text: string) => ({
  key: "infra/platform",
  minVersion: { text, version: parseVersion(text)! },
})

describe("dependencyHold", () => {
  it("holds for a missing dependency, one not Ready, one not Ready at its generation", () => {
    expect(dependencyHold(plain, undefined)).toBe("dependency infra/platform not found")
    expect(dependencyHold(plain, stageSet(1, undefined))).toBe(
      "dependency infra/platform is not Ready (not reconciled yet)",
    )
    expect(dependencyHold(plain, stageSet(1, { status: "False", reason: "StageFailed" }))).toBe(
      "dependency infra/platform is not Ready (StageFailed)",
    )
    expect(
      dependencyHold(
        plain,
        stageSet(3, { status: "True", reason: "Succeeded", observedGeneration: 2 }),
      ),
    ).toBe(
      "dependency infra/platform is Ready at generation 2 but has not rolled out its generation 3 yet",
    )
  })

  it("lets a dependency Ready at its generation pass", () => {
    expect(
      dependencyHold(
        plain,
        stageSet(3, { status: "True", reason: "Succeeded", observedGeneration: 3 }),
      ),
    ).toBeUndefined()
  })

  it("with minVersion, holds until status.version is at or above it", () => {
    const ready = { status: "True" as const, reason: "Succeeded", observedGeneration: 1 }
    expect(dependencyHold(atLeast("5.2"), stageSet(1, ready))).toBe(
      "dependency infra/platform is at version (none), need >= 5.2",
    )
    expect(dependencyHold(atLeast("5.2"), stageSet(1, ready, "5.1.9"))).toBe(
      "dependency infra/platform is at version 5.1.9, need >= 5.2",
    )
    expect(dependencyHold(atLeast("5.2"), stageSet(1, ready, "5.2.0"))).toBeUndefined()
    expect(dependencyHold(atLeast("5.2"), stageSet(1, ready, "v6.0.0"))).toBeUndefined()
  })

  it("reads dependsOn keys from the raw object, the namespace defaulting to its own", () => {
    expect(
      dependencyKeysOf({
        apiVersion: "stages.metio.wtf/v1",
        kind: "StageSet",
        metadata: { name: "web", namespace: "apps" },
        spec: {
          dependsOn: [{ name: "db" }, { name: "platform", namespace: "infra" }, { bad: 1 }, "x"],
        },
      }),
    ).toEqual(["apps/db", "infra/platform"])
  })
})
