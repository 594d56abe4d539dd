import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import { API_VERSION, FIELD_MANAGER, FINALIZER } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { ReconcileOutcome } from "../../../src/programs/reconcileStageSet.ts"
import { forgetStageSet, isSimulatedCrash } from "../harness/crashCheck.ts"
import { type AcceptanceEnv, MODES, scenarioLayer, sharedCluster } from "../harness/Env.ts"
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
import { goShard } from "../harness/goInventory.ts"
import { orphans, wrongfulDeletes } from "../harness/invariants.ts"
import { type RecordedWrite, Recorder } from "../harness/Recorder.ts"

const SS = "payments"
const CONFIG_MAPS = [{ apiVersion: "v1", kind: "ConfigMap" }]
/** What each stage renders, in spec order. */
const STAGES: Readonly<Record<string, ReadonlyArray<string>>> = {
  app: ["a", "b", "c"],
  web: ["d"],
}

/**
 * A namespace as the Go implementation leaves it after running StageSet `payments`: the
 * StageSet with its finalizer (the same name as ours), the members applied by server-side
 * apply as field manager `stageset-controller` with its owner and stage labels, and the
 * StageInventories under its names, with owner references, split two entries a shard.
 * `extra` adds a stage it recorded that is no longer in the spec. Returns the members'
 * uids by name.
 */
const goState = (
  ns: string,
  extra?: { readonly stage: string; readonly objects: ReadonlyArray<string> },
) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    yield* createNamespace(ns)
    for (const [stage, names] of Object.entries(STAGES))
      yield* setSource(ns, `src-${stage}`, { "m.yaml": yamlOf(names.map((n) => configMap(n))) })
    yield* setStageSet(
      ns,
      SS,
      Object.keys(STAGES).map((stage) => ({ name: stage, source: `src-${stage}` })),
    )
    const key = { apiVersion: API_VERSION, kind: "StageSet", namespace: ns, name: SS }
    const created = yield* kube.get(key)
    const stageSet = yield* kube.update({
      ...created,
      metadata: { ...created.metadata, finalizers: [FINALIZER] },
    })
    const recorded = [
      ...Object.entries(STAGES).map(([stage, names], position) => ({ stage, names, position })),
      ...(extra === undefined ? [] : [{ stage: extra.stage, names: extra.objects, position: 2 }]),
    ]
    const uids: Record<string, string> = {}
    for (const { stage, names, position } of recorded) {
      for (const name of names) {
        const live = yield* kube.apply(
          configMap(
            name,
            { key: name },
            {
              namespace: ns,
              labels: {
                "stages.metio.wtf/name": SS,
                "stages.metio.wtf/namespace": ns,
                "stages.metio.wtf/stage": stage,
              },
            },
          ),
          { fieldManager: FIELD_MANAGER, force: true },
        )
        uids[name] = live.metadata.uid ?? ""
      }
      // Sorted by id, as it packs them (the names are in order).
      const entries = names.map((n) => ({ id: `${ns}_${n}__ConfigMap`, v: "v1" }))
      for (let index = 0; index * 2 < Math.max(entries.length, 1); index++)
        yield* kube.create(
          goShard({
            namespace: ns,
            stageSet: SS,
            stageSetUid: stageSet.metadata.uid ?? "",
            stage,
            index,
            position,
            entries: entries.slice(index * 2, index * 2 + 2),
          }),
        )
    }
    return uids
  })

/** Our shards only, one a stage (default cap), each listing exactly what the stage renders. */
const expectAdopted = (ns: string, stages: Readonly<Record<string, ReadonlyArray<string>>>) =>
  Effect.gen(function* () {
    const shards = yield* shardsOf(ns, SS)
    expect(shards.map((s) => s.metadata.name)).toEqual(
      Object.keys(stages)
        .sort()
        .map((stage) => `${SS}-${stage}-0`),
    )
    for (const shard of shards) expect(shard.metadata.ownerReferences ?? []).toEqual([])
    for (const [stage, names] of Object.entries(stages))
      expect(entryIds(shards, stage).sort()).toEqual(
        names.map((n) => `${ns}_${n}__ConfigMap`).sort(),
      )
  })

const expectSameObjects = (
  ns: string,
  uids: Readonly<Record<string, string>>,
  names: ReadonlyArray<string>,
) =>
  Effect.gen(function* () {
    for (const name of names)
      expect((yield* getObject(cmKey(ns, name)))?.metadata.uid, name).toBe(uids[name])
  })

const ready = (outcome: ReconcileOutcome | undefined) => outcome?._tag === "Ready"

/**
 * S25, adoption (issue 14): a cluster run by the Go implementation switches to ours on the
 * first reconcile without a single object deleted or orphaned.
 */
export const goAdoption = (env: AcceptanceEnv) =>
  describe.each(MODES)(
    `S25 adoption of the Go implementation's inventories [${env.name}] mode=%s`,
    (mode) => {
      const members = Object.values(STAGES).flat()

      /** One run from the Go state: uninterrupted, or killed after write `crashAt` and restarted. */
      const runOnce = (
        cluster: Layer.Layer<KubeClient>,
        m: InventoryMode,
        crashAt: number | undefined,
      ) =>
        Effect.gen(function* () {
          const ns = uniqueName("s25a")
          const layer = scenarioLayer(cluster, { mode: m })
          const uids = yield* Effect.provide(goState(ns), layer)
          const protectedIds = new Set(members.map((n) => `${ns}_${n}__ConfigMap`))
          const at = crashAt === undefined ? "uninterrupted" : `crash after write ${crashAt}`
          const checkInvariants = (writes: ReadonlyArray<RecordedWrite>, when: string) =>
            Effect.gen(function* () {
              const found = yield* orphans({
                namespace: ns,
                kinds: CONFIG_MAPS,
                render: protectedIds,
              })
              expect(found, `invariant A, ${at}, ${when}`).toEqual([])
              expect(
                wrongfulDeletes(writes, protectedIds),
                `nothing deleted, ${at}, ${when}`,
              ).toEqual([])
            })
          const first = yield* Effect.provide(
            Effect.gen(function* () {
              const recorder = yield* Recorder
              yield* recorder.clear
              if (crashAt !== undefined) yield* recorder.crashAfter(crashAt)
              const exit = yield* Effect.exit(reconcile(ns, SS))
              if (crashAt === undefined) {
                expect(exit._tag === "Success" && ready(exit.value.outcome), `${exit}`).toBe(true)
                if (exit._tag === "Success")
                  expect(exit.value.events).toContainEqual(
                    expect.objectContaining({ type: "Normal", reason: "InventoryAdopted" }),
                  )
              } else expect(isSimulatedCrash(exit), `${at}: ${exit}`).toBe(true)
              const writes = yield* recorder.writes
              yield* checkInvariants(writes, "right after the crash")
              return writes
            }),
            layer,
          )
          yield* Effect.provide(
            Effect.gen(function* () {
              let outcome: ReconcileOutcome | undefined
              for (let k = 0; k < 2 && !ready(outcome); k++)
                outcome = (yield* reconcile(ns, SS)).outcome
              expect(ready(outcome), `${at}: restart`).toBe(true)
              yield* checkInvariants(
                [...first, ...(yield* Effect.flatMap(Recorder, (r) => r.writes))],
                "after the restart",
              )
              yield* expectAdopted(ns, STAGES)
              yield* expectSameObjects(ns, uids, members)
              yield* forgetStageSet(ns, SS)
            }),
            layer,
          )
          return first.length
        })

      it.live(
        "S25: its shards and objects -> our reconcile -> our shards, the same objects (uids), nothing deleted; A holds at every write (killed after each, restarted)",
        () =>
          Effect.scoped(
            Effect.gen(function* () {
              const cluster = yield* sharedCluster(env)
              const writes = yield* runOnce(cluster, mode, undefined)
              expect(writes).toBeGreaterThan(0)
              // Every write, against the real API server too (S13's rule).
              for (let i = 1; i <= writes; i++) yield* runOnce(cluster, mode, i)
            }),
          ),
        300_000,
      )

      it.live(
        "S25: once adopted, what it applied and the render dropped is pruned, and so is a stage it recorded that left the spec",
        () =>
          Effect.gen(function* () {
            const ns = uniqueName("s25b")
            const uids = yield* goState(ns, { stage: "old", objects: ["e"] })
            yield* setSource(ns, "src-app", {
              "m.yaml": yamlOf(["a", "b"].map((n) => configMap(n))),
            })
            const report = yield* reconcile(ns, SS)
            expect(report.outcome).toEqual({ _tag: "Ready" })
            expect(yield* getObject(cmKey(ns, "c"))).toBeUndefined()
            expect(yield* getObject(cmKey(ns, "e"))).toBeUndefined()
            yield* expectAdopted(ns, { app: ["a", "b"], web: ["d"] })
            yield* expectSameObjects(ns, uids, ["a", "b", "d"])
            yield* forgetStageSet(ns, SS)
          }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode }))),
      )

      it.live(
        "S25: a StageSet it ran, deleted before our first reconcile, is torn down from its record",
        () =>
          Effect.gen(function* () {
            const ns = uniqueName("s25t")
            yield* goState(ns)
            const kube = yield* KubeClient
            yield* kube.delete({
              apiVersion: API_VERSION,
              kind: "StageSet",
              namespace: ns,
              name: SS,
            })
            const report = yield* reconcile(ns, SS)
            expect(report.outcome).toEqual({ _tag: "Deleted" })
            for (const name of members)
              expect(yield* getObject(cmKey(ns, name)), name).toBeUndefined()
            expect(yield* shardsOf(ns, SS)).toEqual([])
            expect(
              yield* getObject({
                apiVersion: API_VERSION,
                kind: "StageSet",
                namespace: ns,
                name: SS,
              }),
            ).toBeUndefined()
          }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode }))),
      )
    },
  )
