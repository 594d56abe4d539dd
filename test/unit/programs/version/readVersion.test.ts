import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { KubeObject } from "../../../../src/kube/KubeObject.ts"
import {
  jsonPathOf,
  versionFromFile,
  versionFromObject,
} from "../../../../src/programs/version/readVersion.ts"

const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { "app.kubernetes.io/version": "2.4.1", tier: "front" } },
  spec: {
    template: {
      spec: {
        containers: [
          { name: "web", image: "example/web:2.4.1" },
          { name: "sidecar", image: "example/proxy:9" },
        ],
      },
    },
  },
}

const read = (fieldPath?: string, ref: Partial<{ apiVersion: string; name: string }> = {}) =>
  versionFromObject(
    [{ ...deployment, kind: "Service" }, deployment],
    {
      kind: "Deployment",
      name: ref.name ?? "web",
      ...(ref.apiVersion === undefined ? {} : { apiVersion: ref.apiVersion }),
      ...(fieldPath === undefined ? {} : { fieldPath }),
    },
    "app",
  )

const problem = <A, E extends { readonly _tag: string; readonly message: string }>(
  either: Either.Either<A, E>,
) => Either.match(either, { onLeft: (e) => [e._tag, e.message], onRight: () => undefined })

describe("reading a version", () => {
  it("writes kubectl's JSONPath as the library reads it, escaped dots as bracketed names", () => {
    expect(jsonPathOf("{.spec.replicas}")).toBe("$.spec.replicas")
    expect(jsonPathOf("{.metadata.labels.app\\.kubernetes\\.io/version}")).toBe(
      "$.metadata.labels['app.kubernetes.io/version']",
    )
    expect(jsonPathOf("{$.a[0].b}")).toBe("$.a[0].b")
    expect(jsonPathOf(".spec.replicas")).toBeUndefined()
    expect(jsonPathOf("{spec}")).toBeUndefined()
  })

  it("fromObject: the app.kubernetes.io/version label by default, else the fieldPath", () => {
    expect(read()).toEqual(Either.right("2.4.1"))
    expect(read("{.metadata.labels.tier}")).toEqual(Either.right("front"))
    expect(read("{.spec.template.spec.containers[1].image}")).toEqual(
      Either.right("example/proxy:9"),
    )
    expect(read("{.spec.template.spec.containers[?(@.name=='sidecar')].image}")).toEqual(
      Either.right("example/proxy:9"),
    )
    expect(read(undefined, { apiVersion: "apps/v1" })).toEqual(Either.right("2.4.1"))
  })

  it("fromObject: names the object, the label or the path that is missing", () => {
    expect(problem(read(undefined, { name: "api" }))).toEqual([
      "InvalidVersion",
      "version object Deployment api in stage app is not rendered",
    ])
    expect(problem(read(undefined, { apiVersion: "apps/v2" }))?.[0]).toBe("InvalidVersion")
    expect(problem(read("{.metadata.labels.nope}"))).toEqual([
      "InvalidVersion",
      "fieldPath {.metadata.labels.nope} matches nothing on Deployment web in stage app",
    ])
    expect(problem(read("{.spec.template.spec.containers[*].image}"))).toEqual([
      "InvalidVersion",
      "fieldPath {.spec.template.spec.containers[*].image} on Deployment web in stage app does not resolve to one string",
    ])
    expect(problem(read(".metadata.name"))?.[0]).toBe("InvalidSpec")
    const unlabelled = versionFromObject(
      [{ ...deployment, metadata: { name: "web" } }],
      { kind: "Deployment", name: "web" },
      "app",
    )
    expect(problem(unlabelled)?.[1]).toContain("has no app.kubernetes.io/version label")
  })

  it("fromArtifact: the file at the path from the source's root", () => {
    const files = [
      { path: "VERSION", content: "1.0.0\n" },
      { path: "deploy/VERSION", content: "2.0.0" },
    ]
    expect(versionFromFile(files, "VERSION", "app")).toEqual(Either.right("1.0.0\n"))
    expect(versionFromFile(files, "./deploy/VERSION", "app")).toEqual(Either.right("2.0.0"))
    expect(versionFromFile(files, "/deploy/VERSION", "app")).toEqual(Either.right("2.0.0"))
    expect(problem(versionFromFile(files, "missing", "app"))).toEqual([
      "InvalidVersion",
      "version file missing not found in the source of stage app",
    ])
  })
})
