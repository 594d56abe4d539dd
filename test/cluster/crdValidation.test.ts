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
    what: "65 stages",
    spec: { stages: Array.from({ length: 65 }, (_, i) => stage(`s${i}`)) },
    message: /spec\.stages: Too many/,
  },
  {
    what: "an unknown source kind",
    spec: { stages: [{ name: "app", sourceRef: { kind: "HelmChart", name: "x" } }] },
    message: /sourceRef\.kind.*Unsupported value/,
  },
]

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
  },
)
