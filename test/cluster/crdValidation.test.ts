import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import { installCrds } from "../acceptance/harness/installCrds.ts"
import { LiveKubeClient, testNamespace } from "./support.ts"

const stage = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  sourceRef: { kind: "ConfigMap", name: "manifests" },
  ...extra,
})

/** Each StageSet breaks one rule the generated CRD schema states; the API server must refuse it. */
const invalid: ReadonlyArray<{
  what: string
  spec: Record<string, unknown>
  message: RegExp
  /** How the refusal surfaces; 422 (KubeInvalid) unless said otherwise. */
  tag?: string
}> = [
  {
    what: "a stage name that is not a DNS-1123 label",
    spec: { stages: [stage("Bad_Name")] },
    message: /spec\.stages\[0\]\.name/,
  },
  {
    what: "duplicate stage names",
    spec: { stages: [stage("app"), stage("app")] },
    message: /duplicate entries for key \[name="app"\]/,
    tag: "KubeTransport",
  },
  {
    what: "an unknown conflict action",
    spec: { stages: [stage("app", { conflictPolicy: { default: "Overwrite" } })] },
    message: /conflictPolicy\.default.*Unsupported value/,
  },
  {
    what: "a malformed duration",
    spec: { interval: "10 minutes", stages: [stage("app")] },
    message: /spec\.interval/,
  },
  { what: "no stages", spec: { stages: [] }, message: /spec\.stages/ },
  {
    what: "an onTimeout that is neither Hold nor Rollback",
    spec: { onTimeout: "Retry", stages: [stage("app")] },
    message: /spec\.onTimeout.*Unsupported value/,
  },
]

const preAction = { pre: [{ name: "wait", wait: { duration: "1s" } }] }

/** A StageSet as a user of the Go implementation writes it, with fields we refuse later. */
const goStageSet = {
  interval: "5m",
  timeout: "1500us",
  errorBudget: {
    source: { prometheus: { address: "http://prometheus:9090", query: "slo:budget" } },
    freezeThreshold: "0.1",
  },
  updateWindows: [{ type: "Deny", schedule: "0 17 * * 5", duration: "64h" }],
  stages: [
    ...Array.from({ length: 100 }, (_, i) => ({ name: `s${i}`, sourceRef: { name: `a${i}` } })),
    {
      name: "dashboards",
      sourceRef: { apiVersion: "jaas.metio.wtf/v1", kind: "JsonnetSnippet", name: "dash" },
      actions: preAction,
      readyChecks: { checks: [{ kind: "Deployment", name: "web" }] },
    },
  ],
}

layer(LiveKubeClient, { excludeTestServices: true })(
  "CRD validation on a real API server",
  (it) => {
    it.scoped("refuses every invalid StageSet with a message naming the field", () =>
      Effect.gen(function* () {
        const kube = yield* KubeClient
        yield* installCrds
        const ns = yield* testNamespace("crd-validation")
        for (const [i, sample] of invalid.entries()) {
          const error = yield* Effect.flip(
            kube.apply(
              {
                apiVersion: "stages.metio.wtf/v1",
                kind: "StageSet",
                metadata: { name: `bad-${i}`, namespace: ns },
                spec: sample.spec,
              },
              { fieldManager: "stageset-cluster-tests", force: false },
            ),
          )
          expect(error._tag, sample.what).toBe(sample.tag ?? "KubeInvalid")
          expect(error.message, sample.what).toMatch(sample.message)
        }
      }),
    )

    it.scoped(
      "accepts a StageSet written for the Go implementation and keeps every field of it",
      () =>
        Effect.gen(function* () {
          const kube = yield* KubeClient
          yield* installCrds
          const ns = yield* testNamespace("crd-go")
          const stored = yield* kube.apply(
            {
              apiVersion: "stages.metio.wtf/v1",
              kind: "StageSet",
              metadata: { name: "from-go", namespace: ns },
              spec: goStageSet,
            },
            { fieldManager: "stageset-cluster-tests", force: false },
          )
          const spec = stored.spec as typeof goStageSet & {
            stages: Array<{ sourceRef: { kind?: string } }>
          }
          // More than the 64 stages earlier versions allowed; kind defaulted by the API server.
          expect(spec.stages).toHaveLength(101)
          expect(spec.stages[0]?.sourceRef.kind).toBe("ExternalArtifact")
          expect(spec.stages[100]?.sourceRef.kind).toBe("JsonnetSnippet")
          // Fields we refuse as Unsupported are kept as written, not pruned.
          expect(spec.errorBudget).toEqual(goStageSet.errorBudget)
          expect(spec.updateWindows).toEqual(goStageSet.updateWindows)
          expect(spec.stages[100]).toMatchObject({ actions: preAction })
          expect(spec.timeout).toBe("1500us")
        }),
    )
  },
)
