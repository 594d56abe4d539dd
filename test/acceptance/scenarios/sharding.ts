import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { STAGE_INVENTORY_KIND } from "../../../src/inventory/Labels.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { controller, hookedCluster } from "../harness/controller.ts"
import { type AcceptanceEnv, MODES, sharedCluster } from "../harness/Env.ts"
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

const entriesOf = (shard: KubeObject) => (shard.spec as { entries?: Array<unknown> }).entries

const names = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `cm-${String(from + i).padStart(2, "0")}`)

/** S6: shards of at most `--inventory-shard-cap` entries, shrinking with the stage, per mode. */
export const sharding = (env: AcceptanceEnv) =>
  describe.each(MODES)(`S6 sharding [${env.name}] mode=%s`, (mode) => {
    /** Every shard of the StageSet in the cluster holds at most `cap` entries. */
    const expectWithinCap = (ns: string, cap: number) =>
      Effect.gen(function* () {
        const shards = yield* shardsOf(ns, "ss")
        expect(shards.length).toBeGreaterThan(0)
        for (const shard of shards)
          expect(entriesOf(shard)?.length ?? 0, shard.metadata.name).toBeLessThanOrEqual(cap)
        return shards
      })

    it.scopedLive("S6: cap 3: 10 objects -> 4 shards, 3 -> fewer, 0 -> shard 0 alone", () =>
      Effect.gen(function* () {
        const cluster = yield* sharedCluster(env)
        // Every state a shard was ever written to, as the server returned it.
        const shardWrites: Array<KubeObject> = []
        const observed = hookedCluster(cluster, {
          afterApply: (live) =>
            Effect.sync(() => {
              if (live.kind === STAGE_INVENTORY_KIND) shardWrites.push(live)
            }),
        })
        const run = controller(observed, { mode, shardCap: 3 })
        const ns = uniqueName("s6")
        const setObjects = (list: ReadonlyArray<string>) =>
          setSource(ns, "src", { "objects.yaml": yamlOf(list.map((n) => configMap(n))) })

        const all = names(10)
        yield* run(
          Effect.gen(function* () {
            yield* createNamespace(ns)
            yield* setObjects(all)
            yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            const shards = yield* expectWithinCap(ns, 3)
            // Every mode keeps the entries, sharded (semantics.md section 4).
            expect(shards.map((s) => s.metadata.name)).toEqual([
              "ss-app-0",
              "ss-app-1",
              "ss-app-2",
              "ss-app-3",
            ])
            expect(entryIds(shards).sort()).toEqual(all.map((n) => `${ns}_${n}__ConfigMap`))

            const three = ["cm-00", "cm-05", "cm-09"]
            yield* setObjects(three)
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            const fewer = yield* expectWithinCap(ns, 3)
            expect(fewer.length).toBeLessThan(4)
            expect(entryIds(fewer).sort()).toEqual(three.map((n) => `${ns}_${n}__ConfigMap`))
            for (const n of all)
              expect(yield* getObject(cmKey(ns, n)), n).toEqual(
                three.includes(n) ? expect.anything() : undefined,
              )

            yield* setObjects([])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            const last = yield* expectWithinCap(ns, 3)
            expect(last.map((s) => s.metadata.name)).toEqual(["ss-app-0"])
            expect(entriesOf(last[0]!)).toEqual([])
            for (const n of three) expect(yield* getObject(cmKey(ns, n))).toBeUndefined()
          }),
        )
        // Not only between reconciles: no write ever left a shard above the cap.
        expect(shardWrites.length).toBeGreaterThan(0)
        for (const shard of shardWrites)
          expect(entriesOf(shard)?.length ?? 0, shard.metadata.name).toBeLessThanOrEqual(3)
      }),
    )

    it.scopedLive("S6: a changed cap takes effect on the next write of the stage", () =>
      Effect.gen(function* () {
        const cluster = yield* sharedCluster(env)
        const ns = uniqueName("s6c")
        const setObjects = (list: ReadonlyArray<string>) =>
          setSource(ns, "src", { "objects.yaml": yamlOf(list.map((n) => configMap(n))) })

        yield* controller(cluster, { mode, shardCap: 5 })(
          Effect.gen(function* () {
            yield* createNamespace(ns)
            yield* setObjects(names(10))
            yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            const shards = yield* expectWithinCap(ns, 5)
            expect(shards.length).toBe(2)
          }),
        )
        // Restarted with a lower cap; the stage gains an object, so it is written.
        yield* controller(cluster, { mode, shardCap: 2 })(
          Effect.gen(function* () {
            yield* setObjects(names(11))
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            const shards = yield* expectWithinCap(ns, 2)
            expect(shards.length).toBe(6)
            expect(entryIds(shards).sort()).toEqual(names(11).map((n) => `${ns}_${n}__ConfigMap`))
            for (const n of names(11)) expect(yield* getObject(cmKey(ns, n)), n).toBeDefined()
          }),
        )
      }),
    )
  })
