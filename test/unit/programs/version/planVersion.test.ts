import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { Stage, VersionSource } from "../../../../schemas/StageSet.ts"
import type { KubeObject } from "../../../../src/kube/KubeObject.ts"
import type { RenderedStage } from "../../../../src/programs/RenderedStage.ts"
import type { StageSetView } from "../../../../src/programs/StageSetView.ts"
import { planVersion } from "../../../../src/programs/version/planVersion.ts"

const stage = (name: string, kind = "ConfigMap"): Stage => ({
  name,
  sourceRef: { kind, name: `${name}-src` },
  prune: true,
  force: false,
})

const labelled = (name: string, version: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { "app.kubernetes.io/version": version } },
})

const rendered = (
  name: string,
  objects: ReadonlyArray<KubeObject>,
  extra: Partial<RenderedStage> = {},
): RenderedStage => ({
  stage: stage(name),
  position: 0,
  revision: "sha256:0",
  revisionOf: `ns/${name}-src`,
  members: objects.map((object) => ({
    ref: { group: "apps", kind: object.kind, namespace: "ns", name: object.metadata.name },
    entry: { id: `ns_${object.metadata.name}_apps_${object.kind}`, v: "v1" },
    object,
    namespaced: true,
    source: { file: "a.yaml", index: 0 },
  })),
  ...extra,
})

const view = (version: VersionSource | undefined, deployedVersion?: string): StageSetView => ({
  namespace: "ns",
  name: "ss",
  deleting: false,
  suspend: false,
  stages: [stage("infra"), stage("app")],
  unsupported: [],
  ...(version === undefined ? {} : { version }),
  ...(deployedVersion === undefined ? {} : { deployedVersion }),
})

const stages = [
  rendered("infra", [labelled("db", "1.0.0")], {
    versionFiles: [{ path: "VERSION", content: " v3.1.0\n" }],
  }),
  rendered("app", [labelled("web", "2.4.1")], { secret: ["9.9.9"] }),
]

const problem = (either: Either.Either<unknown, { _tag: string; message: string }>) =>
  Either.match(either, { onLeft: (e) => [e._tag, e.message], onRight: () => undefined })

describe("planVersion", () => {
  it("is no version without spec.version", () => {
    expect(planVersion(view(undefined), stages)).toEqual(Either.right(undefined))
  })

  it("reads value, fromObject (the first stage by default) and fromArtifact, trimmed", () => {
    expect(planVersion(view({ value: "1.2.3" }), stages)).toEqual(Either.right("1.2.3"))
    expect(planVersion(view({ fromObject: { kind: "Deployment", name: "db" } }), stages)).toEqual(
      Either.right("1.0.0"),
    )
    expect(
      planVersion(view({ fromObject: { stage: "app", kind: "Deployment", name: "web" } }), stages),
    ).toEqual(Either.right("2.4.1"))
    expect(
      planVersion(view({ fromArtifact: { stage: "infra", path: "VERSION" } }), stages),
    ).toEqual(Either.right("v3.1.0"))
  })

  it("refuses a spec that names no single source, no stage, or a value that is not a version", () => {
    expect(problem(planVersion(view({}), stages))).toEqual([
      "InvalidSpec",
      "spec.version: set exactly one of value, fromObject and fromArtifact (0 are set)",
    ])
    expect(
      problem(
        planVersion(view({ value: "1.0.0", fromArtifact: { stage: "a", path: "V" } }), stages),
      )?.[0],
    ).toBe("InvalidSpec")
    expect(problem(planVersion(view({ value: "latest" }), stages))).toEqual([
      "InvalidSpec",
      'spec.version.value: "latest" is not a semantic version',
    ])
    expect(
      problem(planVersion(view({ fromArtifact: { stage: "nope", path: "VERSION" } }), stages)),
    ).toEqual(["InvalidSpec", "spec.version.fromArtifact.stage: nope is not a stage"])
    expect(
      problem(
        planVersion(view({ fromObject: { stage: "nope", kind: "Deployment", name: "x" } }), stages),
      ),
    ).toEqual(["InvalidSpec", "spec.version.fromObject.stage: nope is not a stage"])
  })

  it("never copies a Secret's content into status", () => {
    // The stage's source is a Secret: the render keeps no files for it.
    expect(
      problem(planVersion(view({ fromArtifact: { stage: "app", path: "VERSION" } }), stages))?.[1],
    ).toContain("reads a Secret")
    expect(
      problem(planVersion(view({ fromObject: { kind: "Secret", name: "creds" } }), stages))?.[0],
    ).toBe("InvalidSpec")
    const substituted = [rendered("app", [labelled("web", "9.9.9")], { secret: ["9.9.9"] })]
    const refused = problem(
      planVersion(view({ fromObject: { kind: "Deployment", name: "web" } }), substituted),
    )
    expect(refused?.[0]).toBe("InvalidVersion")
    expect(refused?.[1]).not.toContain("9.9.9")
  })

  it("a version read from the source that is not one is InvalidVersion, cut short", () => {
    const junk = [
      rendered("infra", [], { versionFiles: [{ path: "VERSION", content: "x".repeat(500) }] }),
    ]
    const refused = problem(
      planVersion(view({ fromArtifact: { stage: "infra", path: "VERSION" } }), junk),
    )
    expect(refused?.[0]).toBe("InvalidVersion")
    expect(refused?.[1]?.length).toBeLessThan(160)
  })

  it("refuses a downgrade unless allowDowngrade; the same or a higher version rolls out", () => {
    expect(problem(planVersion(view({ value: "1.9.0" }, "2.0.0"), stages))).toEqual([
      "DowngradeNotAllowed",
      "desired version 1.9.0 is below the deployed version 2.0.0 and downgrades are not enabled; set spec.version.allowDowngrade to roll it out",
    ])
    expect(planVersion(view({ value: "1.9.0", allowDowngrade: true }, "2.0.0"), stages)).toEqual(
      Either.right("1.9.0"),
    )
    expect(planVersion(view({ value: "2.0.0" }, "v2.0.0"), stages)).toEqual(Either.right("2.0.0"))
    expect(planVersion(view({ value: "2.1.0" }, "2.0.0"), stages)).toEqual(Either.right("2.1.0"))
    // A stored status.version that is no version is treated as none (baselined).
    expect(planVersion(view({ value: "0.1.0" }, "garbage"), stages)).toEqual(Either.right("0.1.0"))
  })
})
