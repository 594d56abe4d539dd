import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parse } from "yaml"
import { planBuild } from "../../../../src/render/kustomize/planBuild.ts"
import { patchTree, withStagePatches } from "../../../../src/render/kustomize/stagePatches.ts"

const files = (...paths: ReadonlyArray<string>) => paths.map((path) => ({ path, content: "" }))

describe("planBuild", () => {
  it("builds a directory with a kustomization by kustomize, as kustomize picks the file", () => {
    expect(planBuild({ files: files("app/Kustomization", "app/a.yaml"), dir: "app" })).toEqual({
      _tag: "Kustomization",
      dir: "app",
      file: "app/Kustomization",
    })
    expect(
      planBuild({ files: files("kustomization.yml", "kustomization.yaml"), dir: "" }),
    ).toMatchObject({ file: "kustomization.yaml" })
  })

  it("reads a directory without one as manifests, building the topmost kustomizations below it", () => {
    expect(
      planBuild({
        files: files(
          "deploy/a.yaml",
          "deploy/notes.md",
          "deploy/apps/kustomization.yaml",
          "deploy/apps/web.yaml",
          "deploy/apps/overlay/kustomization.yaml",
          "deploy/infra/ns.yaml",
          "other/kustomization.yaml",
        ),
        dir: "deploy",
      }),
    ).toEqual({
      _tag: "Manifests",
      manifests: files("deploy/a.yaml", "deploy/infra/ns.yaml"),
      kustomizations: ["deploy/apps"],
    })
  })
})

const patches = [
  {
    patch: "- op: replace\n  path: /spec/replicas\n  value: 3\n",
    target: { kind: "Deployment", labelSelector: "tier=web" },
  },
  { patch: "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\n", target: {} },
]

describe("stage patches", () => {
  it("join the kustomization's own patches, keeping the rest of the file", () => {
    const result = withStagePatches(
      {
        path: "kustomization.yaml",
        content: "# ours\nresources: [a.yaml]\npatches:\n  - path: own.yaml\n",
      },
      patches,
    )
    if (Either.isLeft(result)) throw new Error(result.left.message)
    expect(result.right.content).toContain("# ours")
    expect(parse(result.right.content)).toEqual({
      resources: ["a.yaml"],
      patches: [
        { path: "own.yaml" },
        { patch: patches[0]?.patch, target: patches[0]?.target },
        { patch: patches[1]?.patch },
      ],
    })
    const empty = withStagePatches({ path: "kustomization.yaml", content: "" }, patches)
    expect(Either.isRight(empty) && parse(empty.right.content).patches).toHaveLength(2)
  })

  it("refuses a kustomization whose patches are no list", () => {
    const result = withStagePatches(
      { path: "k/kustomization.yaml", content: "patches: x\n" },
      patches,
    )
    expect(Either.isLeft(result) && result.left.message).toBe(
      "k/kustomization.yaml: patches must be a list",
    )
  })

  it("wrap plain objects in a generated kustomization, written as JSON", () => {
    const object = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings" },
      data: { flag: "yes" },
    }
    const [kustomization, resources] = patchTree([object, object], patches)
    expect(parse(kustomization?.content ?? "")).toMatchObject({
      resources: ["resources.json"],
      patches: [{ target: { kind: "Deployment" } }, {}],
    })
    expect(resources?.content.split("\n---\n").map((doc) => JSON.parse(doc))).toEqual([
      object,
      object,
    ])
  })
})
