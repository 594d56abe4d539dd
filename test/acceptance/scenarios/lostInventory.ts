import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
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
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"

/** S24: a shard deleted by hand, and every shard of a stage gone with its finalizers stripped. */
export const lostInventory = (env: AcceptanceEnv) =>
  describe.each(MODES)(`S24 lost inventory [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      body.pipe(Effect.provide(scenarioLayer(env.kube(), { mode })))

    it.live.each([
      { name: "shard 0", cap: 5000, objects: ["a", "b"], deleted: "ss-app-0" },
      { name: "shard 1 of 3", cap: 1, objects: ["a", "b", "c"], deleted: "ss-app-1" },
    ])(
      "S24: $name deleted by hand (our finalizer keeps it Terminating): the entries survive, the shard is released, nothing deleted",
      ({ cap, objects, deleted }) =>
        Effect.gen(function* () {
          const ns = uniqueName("s24r")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", { "a.yaml": yamlOf(objects.map((n) => configMap(n))) })
          yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
          const uids = yield* Effect.forEach(objects, (n) =>
            Effect.map(getObject(cmKey(ns, n)), (o) => o?.metadata.uid),
          )
          const ids = objects.map((n) => `${ns}_${n}__ConfigMap`)

          const kube = yield* KubeClient
          yield* kube.delete({
            apiVersion: "stages.metio.wtf/v1",
            kind: "StageInventory",
            namespace: ns,
            name: deleted,
          })
          const terminating = (yield* shardsOf(ns, "ss")).find((s) => s.metadata.name === deleted)
          expect(terminating?.metadata.deletionTimestamp).toBeDefined()

          const report = yield* reconcile(ns, "ss")
          expect(report.outcome).toEqual({ _tag: "Ready" })
          expect(report.events).toContainEqual(
            expect.objectContaining({ type: "Normal", reason: "InventoryRepaired" }),
          )
          const shards = yield* shardsOf(ns, "ss")
          // No shard is left Terminating, the entries are all there, none above the cap.
          for (const shard of shards) {
            expect(shard.metadata.deletionTimestamp, shard.metadata.name).toBeUndefined()
            expect(entryIds([shard]).length).toBeLessThanOrEqual(cap)
          }
          expect(entryIds(shards, "app").sort()).toEqual(ids.sort())
          // Shard 0, the ApplySet parent, exists again (with its entries when it was the lost one).
          const shard0 = shards.find((s) => s.metadata.name === "ss-app-0")
          expect(shard0).toBeDefined()
          if (deleted === "ss-app-0") expect(entryIds([shard0!]).sort()).toEqual(ids.sort())
          // Nothing was deleted: the same objects.
          for (const [i, n] of objects.entries())
            expect((yield* getObject(cmKey(ns, n)))?.metadata.uid, n).toBe(uids[i])
        }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode, shardCap: cap }))),
    )

    it.live(
      "S24: all shards gone: rebuilt by label lookup (hybrid/applyset) or recorded from the render (entries), InventoryRebuilt Event, nothing desired deleted",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s24")
            yield* createNamespace(ns)
            yield* setSource(ns, "src", {
              "a.yaml": yamlOf([configMap("keep"), configMap("gone")]),
            })
            yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            const keepUid = (yield* getObject(cmKey(ns, "keep")))?.metadata.uid

            // Someone strips the finalizers and deletes every shard.
            const kube = yield* KubeClient
            for (const shard of yield* shardsOf(ns, "ss")) {
              yield* kube.update({ ...shard, metadata: { ...shard.metadata, finalizers: [] } })
              yield* kube.delete({
                apiVersion: shard.apiVersion,
                kind: shard.kind,
                namespace: ns,
                name: shard.metadata.name,
              })
            }
            expect(yield* shardsOf(ns, "ss")).toEqual([])

            // Meanwhile the render dropped "gone".
            yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("keep")]) })
            const report = yield* reconcile(ns, "ss")
            expect(report.outcome).toEqual({ _tag: "Ready" })
            expect(report.events).toContainEqual(
              expect.objectContaining({ type: "Warning", reason: "InventoryRebuilt" }),
            )
            // Nothing desired was deleted: the same object, not a new one.
            expect((yield* getObject(cmKey(ns, "keep")))?.metadata.uid).toBe(keepUid)
            expect(entryIds(yield* shardsOf(ns, "ss"), "app")).toEqual([`${ns}_keep__ConfigMap`])
            if (mode === "entries")
              // Nothing on the object says it was ours: it cannot be pruned.
              expect(yield* getObject(cmKey(ns, "gone"))).toBeDefined()
            // Found by its part-of label, so pruned like any other dropped member.
            else expect(yield* getObject(cmKey(ns, "gone"))).toBeUndefined()

            // The next reconcile is an ordinary one: no second rebuild.
            const again = yield* reconcile(ns, "ss")
            expect(again.events.map((e) => e.reason)).not.toContain("InventoryRebuilt")
          }),
        ),
    )
  })
