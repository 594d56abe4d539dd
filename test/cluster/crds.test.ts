import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { parseAllDocuments } from "yaml"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"
import { eventually, LiveKubeClient, testNamespace } from "./support.ts"

const crdDir = join(import.meta.dirname, "../../manifests/crds")

const loadCrds = Effect.promise(async () => {
  const files = (await readdir(crdDir)).filter((f) => f.endsWith(".yaml")).sort()
  const docs = await Promise.all(files.map((f) => readFile(join(crdDir, f), "utf8")))
  return docs.flatMap((text) => parseAllDocuments(text).map((doc) => doc.toJS() as KubeObject))
})

type Condition = { readonly type: string; readonly status: string; readonly message?: string }

layer(LiveKubeClient, { excludeTestServices: true })(
  "generated CRDs on a real API server",
  (it) => {
    it.scoped("install, become Established, and accept a minimal StageSet", () =>
      Effect.gen(function* () {
        const kube = yield* KubeClient
        const crds = yield* loadCrds
        expect(crds.map((c) => c.metadata.name).sort()).toEqual([
          "stageinventories.stages.metio.wtf",
          "stagesets.stages.metio.wtf",
        ])
        // Applied, not created, and never deleted: other suites in the run use them too.
        for (const crd of crds)
          yield* kube.apply(crd, { fieldManager: "stageset-cluster-tests", force: true })
        for (const crd of crds)
          yield* eventually(
            Effect.flatMap(
              kube.get({
                apiVersion: "apiextensions.k8s.io/v1",
                kind: "CustomResourceDefinition",
                name: crd.metadata.name,
              }),
              (live) => {
                const conditions =
                  (live.status as { conditions?: ReadonlyArray<Condition> } | undefined)
                    ?.conditions ?? []
                const refused = conditions.find(
                  (c) => c.type === "NonStructuralSchema" && c.status === "True",
                )
                if (refused)
                  return Effect.die(new Error(`${crd.metadata.name}: ${refused.message}`))
                return conditions.some((c) => c.type === "Established" && c.status === "True")
                  ? Effect.void
                  : Effect.fail("not established")
              },
            ),
            Duration.seconds(30),
          )
        const ns = yield* testNamespace("crds")
        const stageSet = yield* kube.apply(
          {
            apiVersion: "stages.metio.wtf/v1",
            kind: "StageSet",
            metadata: { name: "minimal", namespace: ns },
            spec: {
              stages: [{ name: "one", sourceRef: { kind: "ConfigMap", name: "manifests" } }],
            },
          },
          { fieldManager: "stageset-cluster-tests", force: false },
        )
        expect(stageSet.metadata.uid).toBeTruthy()
        const refused = yield* Effect.flip(
          kube.apply(
            {
              apiVersion: "stages.metio.wtf/v1",
              kind: "StageSet",
              metadata: { name: "empty", namespace: ns },
              spec: {},
            },
            { fieldManager: "stageset-cluster-tests", force: false },
          ),
        )
        expect(refused._tag).toBe("KubeInvalid")
        expect(refused.message).toContain("spec.stages")
      }),
    )
  },
)
