import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { stageApplySetId } from "../../../src/inventory/ApplySetId.ts"
import {
  APPLYSET_CONTAINS_GROUP_KINDS,
  APPLYSET_ID,
  APPLYSET_PART_OF,
  APPLYSET_TOOLING,
  FIELD_MANAGER,
  INVENTORY_MODE,
} from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { type AcceptanceEnv, MODES, type ScenarioServices, scenarioLayer } from "../harness/Env.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  entryIds,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  statusOf,
  USER,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { Recorder } from "../harness/Recorder.ts"

/** S2, S3, S4, S5, S8, S12, S19: the inventory's shape and the basic prune rules, per mode. */
export const inventoryBasics = (env: AcceptanceEnv) =>
  describe.each(MODES)(`inventory basics [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      Effect.provide(body, scenarioLayer(env.kube(), { mode }))

    it.live("S2/S8/S19: inventory shape, labels and status after a first apply", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("s2")
          yield* createNamespace(ns)
          yield* setSource(ns, "app-src", {
            "app.yaml": yamlOf([configMap("web"), configMap("db")]),
          })
          yield* setStageSet(ns, "payments", [{ name: "application", source: "app-src" }])
          const report = yield* reconcile(ns, "payments")
          expect(report.outcome).toEqual({ _tag: "Ready" })

          const shards = yield* shardsOf(ns, "payments")
          expect(shards.map((s) => s.metadata.name)).toEqual(["payments-application-0"])
          const shard0 = shards[0]!
          expect(shard0.metadata.labels).toMatchObject({
            "stages.metio.wtf/stage-set": "payments",
            "stages.metio.wtf/stage": "application",
            "stages.metio.wtf/shard": "0",
          })
          expect((shard0.spec as { stagePosition: number }).stagePosition).toBe(0)
          const id = stageApplySetId(ns, "payments", "application")
          const members = [cmKey(ns, "db"), cmKey(ns, "web")]
          // Every mode keeps the entries (semantics.md section 4) and names its mode on shard 0.
          expect((shard0.spec as { entries: unknown }).entries).toEqual([
            { id: `${ns}_db__ConfigMap`, v: "v1" },
            { id: `${ns}_web__ConfigMap`, v: "v1" },
          ])
          expect(shard0.metadata.annotations?.[INVENTORY_MODE]).toBe(mode)
          for (const key of members) {
            const live = yield* getObject(key)
            expect(live).toBeDefined()
            if (mode === "entries")
              expect(live!.metadata.labels?.[APPLYSET_PART_OF]).toBeUndefined()
            else expect(live!.metadata.labels?.[APPLYSET_PART_OF]).toBe(id)
          }
          if (mode === "entries") {
            expect(shard0.metadata.labels?.[APPLYSET_ID]).toBeUndefined()
            expect(shard0.metadata.annotations?.[APPLYSET_TOOLING]).toBeUndefined()
          } else {
            expect(shard0.metadata.labels?.[APPLYSET_ID]).toBe(id)
            expect(shard0.metadata.annotations?.[APPLYSET_TOOLING]).toMatch(
              /^stageset-controller\/v\d/,
            )
            expect(shard0.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS]).toBe("ConfigMap")
          }

          const status = yield* statusOf(ns, "payments")
          expect(status?.inventoryMode).toBe(mode)
          const ready = status?.conditions?.find((c) => c.type === "Ready")
          expect(ready).toMatchObject({ status: "True", reason: "Succeeded" })
          expect(status?.stages).toEqual([
            expect.objectContaining({
              name: "application",
              phase: "Ready",
              entriesCount: 2,
              shards: 1,
            }),
          ])
        }),
      ),
    )

    it.live(
      "S3/S4/S5: removed objects are pruned unless opted out or the stage has prune: false",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s3")
            yield* createNamespace(ns)
            const keep = configMap("keep")
            const drop = configMap("drop")
            const optedOut = configMap(
              "opted-out",
              { a: "b" },
              { annotations: { "stages.metio.wtf/prune": "disabled" } },
            )
            const optedOutLabel = configMap(
              "opted-out-label",
              { a: "b" },
              { labels: { "stages.metio.wtf/prune": "disabled" } },
            )
            const kept = configMap("kept-no-prune")
            yield* setSource(ns, "src-a", {
              "a.yaml": yamlOf([keep, drop, optedOut, optedOutLabel]),
            })
            yield* setSource(ns, "src-b", { "b.yaml": yamlOf([kept, configMap("b-stays")]) })
            yield* setStageSet(ns, "ss", [
              { name: "a", source: "src-a" },
              { name: "b", source: "src-b", prune: false },
            ])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

            yield* setSource(ns, "src-a", { "a.yaml": yamlOf([keep]) })
            yield* setSource(ns, "src-b", { "b.yaml": yamlOf([configMap("b-stays")]) })
            const report = yield* reconcile(ns, "ss")
            expect(report.outcome).toEqual({ _tag: "Ready" })

            expect(yield* getObject(cmKey(ns, "keep"))).toBeDefined()
            expect(yield* getObject(cmKey(ns, "drop"))).toBeUndefined()
            expect(yield* getObject(cmKey(ns, "opted-out"))).toBeDefined()
            expect(yield* getObject(cmKey(ns, "opted-out-label"))).toBeDefined()
            expect(yield* getObject(cmKey(ns, "kept-no-prune"))).toBeDefined()
            const shards = yield* shardsOf(ns, "ss")
            expect(entryIds(shards, "a")).toEqual([`${ns}_keep__ConfigMap`])
            expect(entryIds(shards, "b")).toEqual([`${ns}_b-stays__ConfigMap`])
          }),
        ),
    )

    it.live(
      "S8: in applyset mode a labelled member we manage that no entry lists is pruned; hybrid and entries prune from the entries only",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s8")
            yield* createNamespace(ns)
            yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("keep")]) })
            yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

            // Members of the set that no entry records: one applied under our field manager
            // (as a lost entry would leave it), one that only copied the label.
            const kube = yield* KubeClient
            const partOf = { [APPLYSET_PART_OF]: stageApplySetId(ns, "ss", "app") }
            yield* kube.apply(
              {
                ...configMap("stray-ours"),
                metadata: { name: "stray-ours", namespace: ns, labels: partOf },
              },
              { fieldManager: FIELD_MANAGER, force: true },
            )
            yield* kube.apply(
              {
                ...configMap("stray-copied"),
                metadata: { name: "stray-copied", namespace: ns, labels: partOf },
              },
              { fieldManager: USER, force: true },
            )
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

            expect(yield* getObject(cmKey(ns, "keep"))).toBeDefined()
            if (mode === "applyset")
              expect(yield* getObject(cmKey(ns, "stray-ours"))).toBeUndefined()
            else expect(yield* getObject(cmKey(ns, "stray-ours"))).toBeDefined()
            // Copied labels never make an object ours (semantics.md 2.3).
            expect(yield* getObject(cmKey(ns, "stray-copied"))).toBeDefined()
            expect(entryIds(yield* shardsOf(ns, "ss"), "app")).toEqual([`${ns}_keep__ConfigMap`])
          }),
        ),
    )

    it.live("S12: a second reconcile with nothing changed writes nothing", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("s12")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", { "x.yaml": yamlOf([configMap("one"), configMap("two")]) })
          yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
          const before = yield* snapshotVersions(ns)
          const recorder = yield* Recorder
          yield* recorder.clear
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
          const writes = (yield* recorder.writes).filter((w) => w.verb !== "apply")
          expect(writes).toEqual([])
          expect(yield* snapshotVersions(ns)).toEqual(before)
        }),
      ),
    )
  })

/** resourceVersion of every object in the namespace we touch, keyed by kind/name. */
const snapshotVersions = (ns: string) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const out: Record<string, string> = {}
    for (const kind of [
      { apiVersion: "v1", kind: "ConfigMap" },
      { apiVersion: "stages.metio.wtf/v1", kind: "StageInventory" },
      { apiVersion: "stages.metio.wtf/v1", kind: "StageSet" },
    ]) {
      const list = yield* kube.list(kind, { namespace: ns })
      for (const o of list.items)
        out[`${o.kind}/${o.metadata.name}`] = o.metadata.resourceVersion ?? ""
    }
    return out
  })
