import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { type AcceptanceEnv, MODES, type ScenarioServices, scenarioLayer } from "../harness/Env.ts"
import {
  createNamespace,
  entryIds,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  statusOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { Recorder } from "../harness/Recorder.ts"

const CRD_API = "apiextensions.k8s.io/v1"

/**
 * A namespaced CRD of kind Widget in a group unique to this test (the live server is
 * shared), served under `plural`.
 */
const widgetCrd = (group: string, plural = "widgets"): KubeObject => ({
  apiVersion: CRD_API,
  kind: "CustomResourceDefinition",
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: "Namespaced",
    names: {
      kind: "Widget",
      plural,
      singular: plural.slice(0, -1),
      listKind: "WidgetList",
    },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: { size: { type: "integer" } },
              },
            },
          },
        },
      },
    ],
  },
})

/** S1: stage 1 applies a custom resource of the CRD stage 0 installs. */
export const crdThenCr = (env: AcceptanceEnv) =>
  describe.each(MODES)(`CRD then CR [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      Effect.provide(body, scenarioLayer(env.kube(), { mode }))

    it.live("S1: stage 1 starts after stage 0 (the CRD) is Ready; the CR applies", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("s1")
          const group = `${uniqueName("s1")}.example.com`
          const crd = widgetCrd(group)
          const crdKey = {
            apiVersion: CRD_API,
            kind: "CustomResourceDefinition",
            name: crd.metadata.name,
          }
          const widget: KubeObject = {
            apiVersion: `${group}/v1`,
            kind: "Widget",
            metadata: { name: "w1" },
            spec: { size: 3 },
          }
          const widgetKey = {
            apiVersion: widget.apiVersion,
            kind: "Widget",
            namespace: ns,
            name: "w1",
          }
          const kube = yield* KubeClient
          yield* Effect.gen(function* () {
            yield* createNamespace(ns)
            yield* setSource(ns, "crds", { "crd.yaml": yamlOf([crd]) })
            yield* setSource(ns, "app", { "widget.yaml": yamlOf([widget]) })
            yield* setStageSet(ns, "ss", [
              { name: "crds", source: "crds" },
              { name: "app", source: "app" },
            ])
            const recorder = yield* Recorder
            yield* recorder.clear
            const report = yield* reconcile(ns, "ss")
            expect(report.outcome).toEqual({ _tag: "Ready" })

            const live = yield* getObject(widgetKey)
            expect(live?.spec).toEqual({ size: 3 })
            const established = yield* getObject(crdKey)
            expect(
              (
                established?.status as
                  | { conditions?: Array<{ type: string; status: string }> }
                  | undefined
              )?.conditions,
            ).toContainEqual(expect.objectContaining({ type: "Established", status: "True" }))

            // Stage 1 wrote nothing (not even its record of intent) before the CRD was applied,
            // and the CR was applied after it: the walk waited for stage 0.
            const writes = yield* recorder.writes
            const crdWrite = writes.findIndex(
              (w) => w.verb === "apply" && w.key.kind === "CustomResourceDefinition",
            )
            const firstOfStage1 = writes.findIndex(
              (w) =>
                (w.key.kind === "StageInventory" && w.key.name.startsWith("ss-app-")) ||
                w.key.kind === "Widget",
            )
            const widgetWrite = writes.findIndex(
              (w) => w.verb === "apply" && w.key.kind === "Widget",
            )
            expect(crdWrite).toBeGreaterThanOrEqual(0)
            expect(firstOfStage1).toBeGreaterThan(crdWrite)
            expect(widgetWrite).toBeGreaterThan(crdWrite)

            const status = yield* statusOf(ns, "ss")
            expect(status?.stages?.map((s) => [s.name, s.phase])).toEqual([
              ["crds", "Ready"],
              ["app", "Ready"],
            ])
            const shards = yield* shardsOf(ns, "ss")
            expect(entryIds(shards, "crds")).toEqual([
              `_widgets.${group}_apiextensions.k8s.io_CustomResourceDefinition`,
            ])
            expect(entryIds(shards, "app")).toEqual([`${ns}_w1_${group}_Widget`])
            // Each shard records its stage's place in spec.stages (teardown's order).
            expect(
              shards.map((s) => [
                s.metadata.name,
                (s.spec as { stagePosition?: number }).stagePosition,
              ]),
            ).toEqual([
              ["ss-app-0", 1],
              ["ss-crds-0", 0],
            ])
          }).pipe(
            // The live server is shared: take the CRD (and with it every Widget) away again.
            Effect.ensuring(Effect.ignore(kube.delete(crdKey))),
          )
        }),
      ),
    )

    it.live(
      "S1: a CRD the API server never establishes (its kind is taken) holds the walk: stage 1 writes nothing",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s1n")
            const group = `${uniqueName("s1n")}.example.com`
            // Widget is already served, by a CRD someone else installed: were the walk not to
            // wait for Established, stage 1's Widget would apply.
            const first = widgetCrd(group)
            const second = widgetCrd(group, "gadgets")
            const keyOf = (crd: KubeObject) => ({
              apiVersion: CRD_API,
              kind: "CustomResourceDefinition",
              name: crd.metadata.name,
            })
            const kube = yield* KubeClient
            yield* Effect.gen(function* () {
              yield* kube.apply(first, { fieldManager: "someone-else", force: true })
              yield* createNamespace(ns)
              yield* setSource(ns, "crds", { "crd.yaml": yamlOf([second]) })
              yield* setSource(ns, "app", {
                "widget.yaml": yamlOf([
                  { apiVersion: `${group}/v1`, kind: "Widget", metadata: { name: "w1" } },
                ]),
              })
              yield* setStageSet(ns, "ss", [
                { name: "crds", source: "crds", extra: { timeout: "3s" } },
                { name: "app", source: "app" },
              ])
              const recorder = yield* Recorder
              yield* recorder.clear
              const report = yield* reconcile(ns, "ss")
              expect(report.outcome._tag).toBe("Failed")
              const message = report.outcome._tag === "Failed" ? report.outcome.failure.message : ""
              expect(message).toContain("crds")
              expect(message).toContain("names not accepted")

              const writes = yield* recorder.writes
              expect(
                writes.filter(
                  (w) =>
                    w.key.kind === "Widget" ||
                    (w.key.kind === "StageInventory" && w.key.name.startsWith("ss-app-")),
                ),
              ).toEqual([])
              const status = yield* statusOf(ns, "ss")
              expect(status?.stages?.find((s) => s.name === "app")?.phase).not.toBe("Ready")
            }).pipe(
              Effect.ensuring(
                Effect.all([kube.delete(keyOf(second)), kube.delete(keyOf(first))], {
                  mode: "either",
                }),
              ),
            )
          }),
        ),
    )
  })
