import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { API_VERSION, STAGE_INVENTORY_KIND, STAGE_SET_KIND } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"
import { expectConverged, forgetStageSet } from "../harness/crashCheck.ts"
import {
  type AcceptanceEnv,
  MODES,
  type ScenarioServices,
  scenarioLayer,
  sharedCluster,
} from "../harness/Env.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { managedByController, orphans, wrongfulDeletes } from "../harness/invariants.ts"
import { Recorder } from "../harness/Recorder.ts"

const maps = (names: ReadonlyArray<string>) => yamlOf(names.map((n) => configMap(n)))
const BEFORE = { base: ["b1", "b2"], app: ["a1", "a2", "a3"] }
const AFTER = { base: ["b1", "b2"], app: ["a1", "a3"] }
const CONFIG_MAP = { apiVersion: "v1", kind: "ConfigMap" }
const STAGE_SET = { apiVersion: API_VERSION, kind: STAGE_SET_KIND }
const INVENTORY = { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND }

const keyOf = (o: KubeObject): ObjectKey => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
})

/** What a backup tool keeps of a StageSet or StageInventory: identity, labels, annotations, spec. */
const specOnly = (o: KubeObject): KubeObject => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  metadata: {
    name: o.metadata.name,
    ...(o.metadata.namespace === undefined ? {} : { namespace: o.metadata.namespace }),
    ...(o.metadata.labels === undefined ? {} : { labels: o.metadata.labels }),
    ...(o.metadata.annotations === undefined ? {} : { annotations: o.metadata.annotations }),
  },
  spec: o.spec,
})

/** The namespace's StageSets, inventories (spec only) and ConfigMaps (with their managedFields). */
const backup = (ns: string) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const list = (kind: { apiVersion: string; kind: string }) =>
      Effect.map(kube.list(kind, { namespace: ns }), (l) => l.items)
    return {
      stageSets: (yield* list(STAGE_SET)).map(specOnly),
      inventories: (yield* list(INVENTORY)).map(specOnly),
      objects: (yield* list(CONFIG_MAP)).filter((o) => o.metadata.name !== "kube-root-ca.crt"),
    }
  })

/** Deletes an object for good, dropping whatever finalizers hold it. */
const deleteForGood = (key: ObjectKey) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    yield* kube.delete(key)
    const live = yield* kube.get(key)
    yield* kube.update({ ...live, metadata: { ...live.metadata, finalizers: [] } })
  }).pipe(Effect.catchTag("KubeNotFound", () => Effect.void))

/**
 * Restores a backup as a backup tool does: objects that are missing are created and get
 * their managedFields back (a create makes the restoring client their owner, so the
 * recorded owners are written afterwards); objects still present are left alone; the
 * StageSets and inventories are created from their spec, without status or finalizers.
 */
const restore = (ns: string, saved: Effect.Effect.Success<ReturnType<typeof backup>>) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    yield* createNamespace(ns)
    for (const object of saved.objects) {
      const {
        uid: _u,
        resourceVersion: _r,
        creationTimestamp: _c,
        managedFields,
        ...meta
      } = object.metadata
      const created = yield* kube.create({ ...object, metadata: meta }).pipe(
        Effect.map((o): KubeObject | undefined => o),
        Effect.catchTag("KubeConflict", () => Effect.succeed(undefined)),
      )
      if (created !== undefined && managedFields !== undefined)
        yield* kube.update({ ...created, metadata: { ...created.metadata, managedFields } })
    }
    for (const object of [...saved.stageSets, ...saved.inventories]) yield* kube.create(object)
  })

/** S14: restore StageSets and inventories (spec only) together with the objects, then prune. */
export const backupRestore = (env: AcceptanceEnv) =>
  describe.each(MODES)(`backup and restore [${env.name}] mode=%s`, (mode) => {
    it.live(
      "S14: after a restore nothing desired is deleted, the removed object is pruned, nothing is orphaned",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("s14")
          const on = <A, E>(
            cluster: Layer.Layer<KubeClient>,
            body: Effect.Effect<A, E, ScenarioServices>,
          ) => Effect.provide(body, scenarioLayer(cluster, { mode }))

          // The original cluster: applied, backed up, then its controller state is lost.
          const saved = yield* Effect.scoped(
            Effect.flatMap(sharedCluster(env), (original) =>
              on(
                original,
                Effect.gen(function* () {
                  yield* createNamespace(ns)
                  yield* setSource(ns, "src-base", { "base.yaml": maps(BEFORE.base) })
                  yield* setSource(ns, "src-app", { "app.yaml": maps(BEFORE.app) })
                  yield* setStageSet(ns, "ss", [
                    { name: "base", source: "src-base" },
                    { name: "app", source: "src-app" },
                  ])
                  expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
                  const saved = yield* backup(ns)
                  expect(saved.inventories.length).toBeGreaterThan(0)
                  const kube = yield* KubeClient
                  for (const o of [...saved.stageSets, ...saved.inventories])
                    yield* deleteForGood(keyOf(o))
                  expect((yield* kube.list(INVENTORY, { namespace: ns })).items).toEqual([])
                  return saved
                }),
              ),
            ),
          )

          // The cluster restored into: another one, empty but for the CRDs (a second
          // control plane live), so every object is created anew from the backup.
          yield* Effect.scoped(
            Effect.flatMap(env.secondCluster, (restored) =>
              on(
                restored,
                Effect.gen(function* () {
                  yield* restore(ns, saved)
                  // The restore kept who owns what: members are the controller's, sources the user's.
                  expect(managedByController((yield* getObject(cmKey(ns, "a2")))!)).toBe(true)
                  expect(managedByController((yield* getObject(cmKey(ns, "src-app")))!)).toBe(false)
                  const uids = new Map<string, string | undefined>()
                  for (const name of AFTER.app.concat(AFTER.base))
                    uids.set(name, (yield* getObject(cmKey(ns, name)))?.metadata.uid)
                  yield* setSource(ns, "src-app", { "app.yaml": maps(AFTER.app) })
                  const recorder = yield* Recorder
                  yield* recorder.clear

                  expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
                  expect(yield* getObject(cmKey(ns, "a2"))).toBeUndefined()
                  for (const [name, uid] of uids)
                    expect((yield* getObject(cmKey(ns, name)))?.metadata.uid, name).toBe(uid)
                  const render = new Set(
                    Object.values(AFTER).flatMap((names) =>
                      names.map((n) => `${ns}_${n}__ConfigMap`),
                    ),
                  )
                  expect(wrongfulDeletes(yield* recorder.writes, render)).toEqual([])
                  expect(yield* orphans({ namespace: ns, kinds: [CONFIG_MAP], render })).toEqual([])
                  yield* expectConverged({
                    namespace: ns,
                    stageSet: "ss",
                    mode,
                    shardCap: 5000,
                    stages: AFTER,
                    survivors: [],
                    stageSetExists: true,
                  })
                  yield* forgetStageSet(ns, "ss")
                }),
              ),
            ),
          )
        }),
    )
  })
