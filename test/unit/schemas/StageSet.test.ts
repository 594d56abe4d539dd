import { fileURLToPath } from "node:url"
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { parse } from "yaml"
import {
  decodeStageSet,
  encodeStageSet,
  type StageSet,
  type StageSetEncoded,
  StageSet as StageSetSchema,
} from "../../../schemas/StageSet.ts"
import { openApiSchemaFor } from "../../../src/crd/crdFor.ts"

const fixtures = fileURLToPath(new URL("../../fixtures/stagesets/", import.meta.url))

const readFixture = (name: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    return parse(yield* fs.readFileString(`${fixtures}${name}`)) as StageSetEncoded
  }).pipe(Effect.provide(NodeContext.layer))

const minimal: StageSetEncoded = {
  apiVersion: "stages.metio.wtf/v1",
  kind: "StageSet",
  metadata: { name: "payments", namespace: "payments" },
  spec: { stages: [{ name: "infrastructure", sourceRef: { kind: "ConfigMap", name: "infra" } }] },
}

const stage = (name: string, extra: object = {}) => ({
  name,
  sourceRef: { kind: "ConfigMap", name: "manifests" },
  ...extra,
})

const withSpec = (spec: object): unknown => ({ ...minimal, spec: { ...minimal.spec, ...spec } })

/** The decode failure's message; the test fails if decoding succeeds. */
const rejection = (input: unknown) =>
  Effect.flip(decodeStageSet(input)).pipe(Effect.map((error) => error.message))

/** Every field path the CRD schema defines under spec and status, `[]` for list items. */
const schemaPaths = (node: { readonly [key: string]: unknown }, path: string): Array<string> => {
  const properties = (node.properties ?? {}) as Record<string, { readonly [key: string]: unknown }>
  const items = node.items as { readonly [key: string]: unknown } | undefined
  return [
    ...Object.entries(properties).flatMap(([name, child]) => {
      const childPath = `${path}.${name}`
      return [childPath, ...schemaPaths(child, childPath)]
    }),
    ...(items === undefined ? [] : schemaPaths(items, `${path}[]`)),
  ]
}

const valuePaths = (value: unknown, path: string): Array<string> => {
  if (Array.isArray(value)) return value.flatMap((item) => valuePaths(item, `${path}[]`))
  if (typeof value !== "object" || value === null) return []
  return Object.entries(value).flatMap(([name, child]) => [
    `${path}.${name}`,
    ...valuePaths(child, `${path}.${name}`),
  ])
}

const roundTrip = (decoded: StageSet) => decodeStageSet(encodeStageSet(decoded))

describe("StageSet", () => {
  it.effect("decodes the fixture using every field and survives a round trip", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageSet(yield* readFixture("full.yaml"))
      const [infrastructure, application] = decoded.spec.stages
      expect(decoded.spec.interval).toEqual(Duration.minutes(10))
      expect(infrastructure?.readyChecks?.checks).toHaveLength(2)
      expect(infrastructure?.conflictPolicy?.rules?.[1]).toEqual({
        target: { kind: "PersistentVolumeClaim", name: "scratch", namespace: "payments" },
        action: "Recreate",
        allowDataLoss: true,
      })
      expect(application?.serviceAccountName).toBeUndefined()
      expect(infrastructure?.serviceAccountName).toBe("other-deployer")
      expect(decoded.spec.dependsOn).toEqual([
        { name: "platform", namespace: "platform", minVersion: "5.2.0" },
        { name: "shared-secrets" },
      ])
      expect(decoded.status?.conditions?.[0]?.status).toBe("True")
      expect(decoded.status?.stages?.map((s) => s.phase)).toEqual(["Ready", "Verifying"])
      expect(yield* roundTrip(decoded)).toEqual(decoded)
    }),
  )

  it.effect(
    "the full fixture sets every field the CRD defines, so the round trip covers them",
    () =>
      Effect.gen(function* () {
        const fixture = yield* readFixture("full.yaml")
        const crd = openApiSchemaFor(StageSetSchema)
        const used = new Set(valuePaths(fixture, ""))
        const unused = schemaPaths(crd, "").filter(
          (path) => !used.has(path) && !path.startsWith(".metadata"),
        )
        expect(unused).toEqual([])
      }),
  )

  it.effect("fills the documented defaults into a minimal StageSet, like the API server", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageSet(yield* readFixture("minimal.yaml"))
      expect(decoded.spec.suspend).toBe(false)
      expect(decoded.spec.stages[0]).toEqual({
        name: "only",
        sourceRef: { kind: "ConfigMap", name: "manifests" },
        prune: true,
        force: false,
      })
      expect(decoded.spec.interval).toBeUndefined()
      expect(decoded.status).toBeUndefined()
      expect(yield* roundTrip(decoded)).toEqual(decoded)
    }),
  )

  it.effect("defaults the conflict action and readiness wait inside the objects a user wrote", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageSet(
        withSpec({ stages: [stage("a", { conflictPolicy: { rules: [] }, readyChecks: {} })] }),
      )
      expect(decoded.spec.stages[0]?.conflictPolicy?.default).toBe("Fail")
      expect(decoded.spec.stages[0]?.readyChecks?.disableWait).toBe(false)
    }),
  )

  it.effect("reads Go durations and writes them back in canonical form", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageSet(
        withSpec({ interval: "90s", retryInterval: "1h30m", timeout: "500ms" }),
      )
      expect(Duration.toMillis(decoded.spec.interval!)).toBe(90_000)
      expect(Duration.toMillis(decoded.spec.retryInterval!)).toBe(5_400_000)
      expect(encodeStageSet(decoded).spec).toMatchObject({
        interval: "1m30s",
        retryInterval: "1h30m",
        timeout: "500ms",
      })
    }),
  )

  it.effect("takes as many stages as the Go implementation does: no upper bound", () =>
    Effect.gen(function* () {
      const stages = Array.from({ length: 200 }, (_, i) => stage(`s${i}`))
      const decoded = yield* decodeStageSet(withSpec({ stages }))
      expect(decoded.spec.stages).toHaveLength(200)
    }),
  )

  it.effect("a sourceRef without kind names an ExternalArtifact; any other kind is kept", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageSet(
        withSpec({
          stages: [
            { name: "a", sourceRef: { name: "my-app" } },
            {
              name: "b",
              sourceRef: { apiVersion: "jaas.metio.wtf/v1", kind: "JsonnetSnippet", name: "x" },
            },
          ],
        }),
      )
      expect(decoded.spec.stages.map((s) => s.sourceRef)).toEqual([
        { kind: "ExternalArtifact", name: "my-app" },
        { apiVersion: "jaas.metio.wtf/v1", kind: "JsonnetSnippet", name: "x" },
      ])
    }),
  )

  describe("rejects, naming the field to fix", () => {
    it.effect("a stage name that is not a DNS-1123 label", () =>
      Effect.gen(function* () {
        const message = yield* rejection(withSpec({ stages: [stage("ok"), stage("Bad_Name")] }))
        expect(message).toContain("StageSet payments/payments is invalid")
        expect(message).toContain("spec.stages[1].name: must be a DNS-1123 label")
        expect(message).toContain('got "Bad_Name"')
      }),
    )

    it.effect("a duplicate stage name, at the second occurrence", () =>
      Effect.gen(function* () {
        const message = yield* rejection(
          withSpec({ stages: [stage("infra"), stage("app"), stage("infra")] }),
        )
        expect(message).toContain('spec.stages[2].name: duplicate name "infra" (first at index 0)')
      }),
    )

    it.effect("an unknown conflict action", () =>
      Effect.gen(function* () {
        const message = yield* rejection(
          withSpec({
            stages: [
              stage("a", {
                conflictPolicy: { default: "Replace", rules: [{ target: {}, action: "Adopt" }] },
              }),
            ],
          }),
        )
        expect(message).toContain(
          'spec.stages[0].conflictPolicy.default: must be one of Fail, Recreate, KeepExisting, got "Replace"',
        )
        expect(message).toContain("spec.stages[0].conflictPolicy.rules[0].action: must be one of")
      }),
    )

    it.effect("a duration that is not a Go duration", () =>
      Effect.gen(function* () {
        const message = yield* rejection(withSpec({ interval: "10 minutes" }))
        expect(message).toContain("spec.interval: must be a Go duration such as 90s, 10m or 1h30m")
        expect(message).toContain('got "10 minutes"')
      }),
    )

    it.effect("zero stages", () =>
      Effect.gen(function* () {
        expect(yield* rejection(withSpec({ stages: [] }))).toContain(
          "spec.stages: must hold at least one stage",
        )
      }),
    )

    it.effect("a missing sourceRef", () =>
      Effect.gen(function* () {
        const message = yield* rejection(withSpec({ stages: [{ name: "b" }] }))
        expect(message).toContain("spec.stages[0].sourceRef: is missing")
      }),
    )

    it.effect("an object of another kind", () =>
      Effect.gen(function* () {
        expect(yield* rejection({ ...minimal, kind: "StageInventory" })).toContain("kind: Expected")
      }),
    )
  })

  it.effect("keeps the offending paths as data for conditions and CLI output", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        decodeStageSet(withSpec({ interval: "soon", stages: [stage("Bad_Name")] })),
      )
      expect(error._tag).toBe("InvalidObject")
      expect(error.issues.map((issue) => issue.path)).toEqual([
        "spec.interval",
        "spec.stages[0].name",
      ])
    }),
  )
})
