import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { API_VERSION, STAGE_INVENTORY_KIND } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { ObjectKey } from "../../../src/kube/KubeObject.ts"
import { stageSetKey } from "../../../src/programs/stageSet/StageSetKey.ts"
import { controller, hookedCluster, sameKey } from "../harness/controller.ts"
import { type AcceptanceEnv, MODES, sharedCluster } from "../harness/Env.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { Recorder } from "../harness/Recorder.ts"

/** S7: deleting a StageSet tears its stages down in reverse order, shards after objects, finalizer last. */
export const teardown = (env: AcceptanceEnv) =>
  describe.each(MODES)(`S7 teardown [${env.name}] mode=%s`, (mode) => {
    it.scopedLive("S7: stage k is gone before stage k-1 is touched; finalizer removed last", () =>
      Effect.gen(function* () {
        const cluster = yield* sharedCluster(env)
        const ns = uniqueName("s7")
        // Stage 0 creates a namespace that stage 1 fills: the order is what makes this work.
        const appNs = uniqueName("s7-app")
        const stages: ReadonlyArray<ReadonlyArray<ObjectKey>> = [
          [{ apiVersion: "v1", kind: "Namespace", name: appNs }, cmKey(ns, "base")],
          [cmKey(appNs, "app-1"), cmKey(appNs, "app-2"), cmKey(ns, "app-local")],
          [cmKey(ns, "extra")],
        ]
        const stageOf = (key: ObjectKey) =>
          stages.findIndex((keys) => keys.some((k) => sameKey(k, key)))
        const shardStage = (kind: string, name: string) =>
          kind === STAGE_INVENTORY_KIND
            ? ["ss-s0-", "ss-s1-", "ss-s2-"].findIndex((p) => name.startsWith(p))
            : -1

        // Checked at every delete the controller sends: later stages and their shards are gone,
        // and the StageSet still exists (its finalizer comes off last).
        const violations: Array<string> = []
        let checking = false
        let checked = 0
        const observed = hookedCluster(cluster, {
          beforeDelete: (key, kube) =>
            Effect.gen(function* () {
              if (!checking) return
              const stage = Math.max(stageOf(key), shardStage(key.kind, key.name))
              if (stage < 0) return
              checked++
              const exists = (k: ObjectKey) =>
                kube.get(k).pipe(
                  Effect.as(true),
                  Effect.catchAll(() => Effect.succeed(false)),
                )
              for (const later of stages.slice(stage + 1).flat())
                if (yield* exists(later))
                  violations.push(`${later.kind} ${later.name} present at delete of ${key.name}`)
              const laterShards = yield* kube.list(
                { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND },
                { namespace: ns },
              )
              for (const s of laterShards.items)
                if (shardStage(s.kind, s.metadata.name) > stage)
                  violations.push(`shard ${s.metadata.name} present at delete of ${key.name}`)
              if (!(yield* exists(stageSetKey({ namespace: ns, name: "ss" }))))
                violations.push(`StageSet gone before delete of ${key.name}`)
            }).pipe(Effect.orDie),
        })
        const run = controller(observed, { mode })

        yield* run(
          Effect.gen(function* () {
            yield* createNamespace(ns)
            yield* setSource(ns, "src-0", {
              "base.yaml": yamlOf([
                { apiVersion: "v1", kind: "Namespace", metadata: { name: appNs } },
                configMap("base"),
              ]),
            })
            yield* setSource(ns, "src-1", {
              "apps.yaml": yamlOf([
                configMap("app-1", { k: "1" }, { namespace: appNs }),
                configMap("app-2", { k: "2" }, { namespace: appNs }),
                configMap("app-local"),
              ]),
            })
            yield* setSource(ns, "src-2", { "extra.yaml": yamlOf([configMap("extra")]) })
            yield* setStageSet(ns, "ss", [
              { name: "s0", source: "src-0" },
              { name: "s1", source: "src-1" },
              { name: "s2", source: "src-2" },
            ])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            for (const key of stages.flat()) expect(yield* getObject(key), key.name).toBeDefined()
            expect((yield* shardsOf(ns, "ss")).length).toBe(3)

            const kube = yield* KubeClient
            yield* kube.delete(stageSetKey({ namespace: ns, name: "ss" }))
            // The finalizer holds it: teardown has not run yet.
            expect(
              (yield* getObject(stageSetKey({ namespace: ns, name: "ss" })))?.metadata
                .deletionTimestamp,
            ).toBeDefined()
            const recorder = yield* Recorder
            yield* recorder.clear
            checking = true
            let outcome = (yield* reconcile(ns, "ss")).outcome._tag
            for (let i = 0; i < 5 && outcome !== "Deleted" && outcome !== "NotFound"; i++)
              outcome = (yield* reconcile(ns, "ss")).outcome._tag
            checking = false
            expect(outcome).toBe("Deleted")

            expect(violations).toEqual([])
            expect(checked).toBeGreaterThanOrEqual(9)
            expect(yield* getObject(stageSetKey({ namespace: ns, name: "ss" }))).toBeUndefined()
            for (const key of stages.flat()) expect(yield* getObject(key), key.name).toBeUndefined()
            expect(yield* shardsOf(ns, "ss")).toEqual([])

            // The write log, in order: per stage (highest first) its objects, then its shards.
            const writes = yield* recorder.writes
            const deletes = writes.filter((w) => w.verb === "delete")
            const phaseOf = (key: ObjectKey) => {
              const objectStage = stageOf(key)
              if (objectStage >= 0) return (2 - objectStage) * 2
              const shard = shardStage(key.kind, key.name)
              return shard >= 0 ? (2 - shard) * 2 + 1 : -1
            }
            const phases = deletes.map((w) => phaseOf(w.key))
            expect(phases).not.toContain(-1)
            expect(phases).toEqual([...phases].sort((a, b) => a - b))
            // Every member and every shard was deleted by the teardown itself.
            for (const key of stages.flat())
              expect(deletes.filter((w) => sameKey(w.key, key)).length, key.name).toBe(1)
            expect(new Set(phases)).toEqual(new Set([0, 1, 2, 3, 4, 5]))
            // Stage 0 deletes the ConfigMap in its namespace before the Namespace itself.
            const s0 = deletes.filter((w) => stageOf(w.key) === 0).map((w) => w.key.kind)
            expect(s0).toEqual(["ConfigMap", "Namespace"])
            // The finalizer comes off in the very last write.
            const last = writes[writes.length - 1]
            expect(last?.verb).toBe("update")
            expect(last && sameKey(last.key, stageSetKey({ namespace: ns, name: "ss" }))).toBe(true)
          }),
        )
      }),
    )
  })
