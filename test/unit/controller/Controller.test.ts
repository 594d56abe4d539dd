import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Metric, Option, Ref, Schedule, SubscriptionRef } from "effect"
import { AppliedCacheMemory } from "../../../layers/AppliedCache.memory.ts"
import {
  ArtifactFetcherInMemory,
  ArtifactServer,
} from "../../../layers/ArtifactFetcher.inMemory.ts"
import { InventoryStoreLive } from "../../../layers/InventoryStore.live.ts"
import { InMemoryDriver, KubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { KustomizeUnavailable } from "../../../layers/Kustomize.unavailable.ts"
import { OwnWritesMemory } from "../../../layers/OwnWrites.memory.ts"
import { ReadinessKube } from "../../../layers/Readiness.kube.ts"
import { RemoteClustersNone } from "../../../layers/RemoteClusters.inMemory.ts"
import { StageIdentityImpersonating } from "../../../layers/StageIdentity.ts"
import { runController } from "../../../src/controller/Controller.ts"
import { ControllerConfig } from "../../../src/controller/ControllerConfig.ts"
import { EventRecorder, type EventTarget } from "../../../src/controller/EventRecorder.ts"
import { reconcileTotal } from "../../../src/controller/metrics.ts"
import { ownWritesKubeClientLayer } from "../../../src/controller/OwnWrites.ts"
import { ShardOwnership, type ShardOwnershipApi } from "../../../src/controller/ShardOwnership.ts"
import { stageSetShard } from "../../../src/controller/shardAssignment.ts"
import { API_VERSION, FINALIZER, STAGE_INVENTORY_KIND } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { ObjectKey } from "../../../src/kube/KubeObject.ts"
import { defaultReconcileConfig, ReconcileConfig } from "../../../src/programs/ReconcileConfig.ts"
import type { RunEvent } from "../../../src/programs/RunEvent.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  getObject,
  setSource,
  setStageSet,
  shardsOf,
  statusOf,
  yamlOf,
} from "../../acceptance/harness/fixtures.ts"
import { installFluxCrds } from "../../cluster/fixtures/fluxCrds.ts"
import { sha256, tarGz } from "../layers/tarGz.ts"

/** Events the controller recorded (a stand-in until an in-memory EventRecorder layer exists). */
const events = Effect.runSync(Ref.make<ReadonlyArray<{ target: EventTarget; event: RunEvent }>>([]))
const EventRecorderStub = Layer.succeed(EventRecorder, {
  record: (target, event) => Ref.update(events, (all) => [...all, { target, event }]),
})

const testLayer = (failureBackoffBase = Duration.millis(50)) =>
  Layer.mergeAll(
    InventoryStoreLive,
    AppliedCacheMemory,
    ReadinessKube({ recheckEvery: "50 millis" }),
    ArtifactFetcherInMemory(),
    KustomizeUnavailable("unit tests start no processes"),
    Layer.succeed(ReconcileConfig, {
      ...defaultReconcileConfig,
      defaultTimeout: Duration.seconds(5),
      deleteTimeout: Duration.seconds(5),
    }),
    // An hour-long interval: every reconcile in these tests is caused by an event.
    Layer.succeed(ControllerConfig, {
      concurrent: 2,
      defaultInterval: Duration.hours(1),
      watchNamespaces: [],
      failureBackoffBase,
      failureBackoffMax: Duration.hours(1),
    }),
    EventRecorderStub,
  ).pipe(
    (services) =>
      Layer.provideMerge(Layer.merge(StageIdentityImpersonating, RemoteClustersNone), services),
    Layer.provideMerge(KubeClientInMemory),
  )

/**
 * The controller as its own process sees the cluster: its services over a client that
 * notes its own writes. The tests' writes go around it, as a user's would.
 */
const asProcess = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provide(
    effect,
    Layer.mergeAll(
      InventoryStoreLive,
      AppliedCacheMemory,
      ReadinessKube({ recheckEvery: "50 millis" }),
    ).pipe(Layer.provideMerge(ownWritesKubeClientLayer), Layer.provideMerge(OwnWritesMemory)),
  )

const ssKey = (namespace: string, name: string): ObjectKey => ({
  apiVersion: API_VERSION,
  kind: "StageSet",
  namespace,
  name,
})

/** Retries `check` every 50 ms for up to 10 s. */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  check.pipe(Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("10 seconds"))))

const assert = (condition: boolean, what: string) =>
  condition ? Effect.void : Effect.fail(new Error(what))

/** How many reconciles of the StageSet started (each begins by reading it). */
const reconciles = (namespace: string, name: string) =>
  Effect.map(InMemoryDriver, (driver) => driver.requestLog).pipe(
    Effect.flatten,
    Effect.map(
      (log) =>
        log.filter(
          (r) =>
            r.verb === "get" &&
            r.kind === "StageSet" &&
            r.namespace === namespace &&
            r.name === name,
        ).length,
    ),
  )

/** Waits until `count` did not move for 300 ms; the count then. */
const settledCount = <E, R>(count: Effect.Effect<number, E, R>) =>
  Effect.gen(function* () {
    let before = yield* count
    for (;;) {
      yield* Effect.sleep(Duration.millis(300))
      const now = yield* count
      if (now === before) return now
      before = now
    }
  })

/** Waits until no reconcile of the StageSet started for 300 ms; the count then. */
const settled = (namespace: string, name: string) => settledCount(reconciles(namespace, name))

/** Reconciles that ended Ready, in this process (the metric is global). */
const finished = Metric.value(Metric.tagged(reconcileTotal, "result", "ready")).pipe(
  Effect.map((state) => state.count),
)

const isReady = (namespace: string, name: string) =>
  Effect.flatMap(statusOf(namespace, name), (status) =>
    assert(
      status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true,
      `not Ready: ${JSON.stringify(status?.conditions)}`,
    ),
  )

describe("Controller", () => {
  it.scopedLive("reconciles StageSets from events alone, and tears them down", () =>
    Effect.gen(function* () {
      const ns = "apps"
      yield* createNamespace(ns)
      yield* setSource(ns, "src-a", { "a.yaml": yamlOf([configMap("one"), configMap("two")]) })
      yield* setSource(ns, "src-b", { "b.yaml": yamlOf([configMap("three")]) })
      yield* setStageSet(ns, "ss", [
        { name: "first", source: "src-a" },
        { name: "second", source: "src-b" },
      ])
      yield* Effect.forkScoped(asProcess(runController))

      // Nobody calls reconcile: the informer's ADDED does.
      yield* eventually(isReady(ns, "ss"))
      for (const name of ["one", "two", "three"])
        expect(yield* getObject(cmKey(ns, name))).toBeDefined()
      const live = yield* getObject(ssKey(ns, "ss"))
      expect(live?.metadata.finalizers).toContain(FINALIZER)
      const recorded = yield* Ref.get(events)
      expect(recorded.some((r) => r.event.reason === "StageApplied")).toBe(true)
      expect(recorded.every((r) => r.target.uid === live?.metadata.uid)).toBe(true)

      // Editing the source ConfigMap reconciles and prunes the dropped object.
      yield* setSource(ns, "src-a", { "a.yaml": yamlOf([configMap("one")]) })
      yield* eventually(
        Effect.flatMap(getObject(cmKey(ns, "two")), (o) => assert(o === undefined, "two kept")),
      )
      expect(yield* getObject(cmKey(ns, "one"))).toBeDefined()

      // A deleted shard is repaired.
      const shards = yield* shardsOf(ns, "ss")
      const shard = shards[0]!
      yield* Effect.flatMap(KubeClient, (kube) =>
        kube.delete({
          apiVersion: API_VERSION,
          kind: STAGE_INVENTORY_KIND,
          namespace: ns,
          name: shard.metadata.name,
        }),
      )
      yield* eventually(
        Effect.flatMap(shardsOf(ns, "ss"), (now) =>
          assert(
            now.some((s) => s.metadata.name === shard.metadata.name),
            "shard not recreated",
          ),
        ),
      )

      // Quiet now: a status-only write and an unreferenced ConfigMap reconcile nothing.
      const quiet = yield* settled(ns, "ss")
      const driver = yield* InMemoryDriver
      yield* driver.setStatus(ssKey(ns, "ss"), (current) => ({
        ...(current.status as object),
        lastHandledReconcileAt: "written-by-someone-else",
      }))
      yield* setSource(ns, "unrelated", { "x.yaml": yamlOf([configMap("x")]) })
      yield* Effect.sleep(Duration.millis(500))
      expect(yield* reconciles(ns, "ss")).toBe(quiet)
      expect(yield* getObject(cmKey(ns, "x"))).toBeUndefined()

      // Deleting the StageSet tears it down: objects gone, finalizer removed, object gone.
      yield* Effect.flatMap(KubeClient, (kube) => kube.delete(ssKey(ns, "ss")))
      yield* eventually(
        Effect.flatMap(getObject(ssKey(ns, "ss")), (o) => assert(o === undefined, "still there")),
      )
      for (const name of ["one", "three"]) expect(yield* getObject(cmKey(ns, name))).toBeUndefined()
      expect(yield* shardsOf(ns, "ss")).toEqual([])
    }).pipe(Effect.provide(testLayer())),
  )

  it.scopedLive(
    "reconciles a new StageSet once: its own finalizer and shard writes do not enqueue it again",
    () =>
      Effect.gen(function* () {
        const ns = "once"
        const before = yield* finished
        yield* createNamespace(ns)
        yield* Effect.forkScoped(asProcess(runController))
        yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("one"), configMap("two")]) })
        yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
        yield* eventually(isReady(ns, "ss"))
        expect(yield* settledCount(finished)).toBe(before + 1)

        // Someone else's edit of a shard still reconciles it (and the repair writes nothing new).
        const shard = (yield* shardsOf(ns, "ss"))[0]!
        yield* Effect.flatMap(KubeClient, (kube) =>
          kube.update({
            ...shard,
            metadata: { ...shard.metadata, labels: { ...shard.metadata.labels, extra: "x" } },
          }),
        )
        expect(yield* settledCount(finished)).toBe(before + 2)
      }).pipe(Effect.provide(testLayer())),
  )

  it.scopedLive(
    "a reconcile that does not finish (a 500 escaping the programs) leaves a Warning Event on the StageSet and is retried",
    () =>
      Effect.gen(function* () {
        const ns = "crashing"
        yield* createNamespace(ns)
        yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("one")]) })
        // The first reconcile's finalizer write fails (no retrying client in this layer).
        yield* (yield* InMemoryDriver).failNext(
          1,
          { verb: "update", kind: "StageSet", namespace: ns },
          "500",
        )
        yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
        yield* Effect.forkScoped(asProcess(runController))
        yield* eventually(isReady(ns, "ss"))
        const crashed = (yield* Ref.get(events)).filter(
          (e) => e.target.namespace === ns && e.event.reason === "ReconcileError",
        )
        expect(crashed).toHaveLength(1)
        expect(crashed[0]?.target).toMatchObject({ kind: "StageSet", name: "ss" })
        expect(crashed[0]?.event.type).toBe("Warning")
        expect(crashed[0]?.event.message).toMatch(
          /^reconcile did not finish \(Kube\w+: .*\); retrying in /,
        )
      }).pipe(Effect.provide(testLayer())),
  )

  it.scopedLive(
    "spec.driftDetectionInterval shorter than the interval heals an out-of-band edit on its own cadence",
    () =>
      Effect.gen(function* () {
        const ns = "drifting"
        yield* createNamespace(ns)
        yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("web", { replicas: "3" })]) })
        // The interval (and the controller's default) is an hour: only the drift cadence can heal.
        yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }], {
          interval: "1h",
          driftDetectionInterval: "1s",
        })
        yield* Effect.forkScoped(asProcess(runController))
        yield* eventually(isReady(ns, "ss"))
        // Another tool takes the field over with force; no event of ours follows it.
        yield* Effect.flatMap(KubeClient, (kube) =>
          kube.apply(
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "web", namespace: ns },
              data: { replicas: "1" },
            },
            { fieldManager: "kubectl-patch", force: true },
          ),
        )
        expect((yield* getObject(cmKey(ns, "web")))?.data).toEqual({ replicas: "1" })
        yield* eventually(
          Effect.flatMap(getObject(cmKey(ns, "web")), (cm) =>
            assert(
              JSON.stringify(cm?.data) === JSON.stringify({ replicas: "3" }),
              `still drifted: ${JSON.stringify(cm?.data)}`,
            ),
          ),
        )
      }).pipe(Effect.provide(testLayer())),
  )

  it.scopedLive("a failing StageSet is reconciled as soon as its missing source appears", () =>
    Effect.gen(function* () {
      const ns = "apps"
      yield* createNamespace(ns)
      // The source lives in another namespace, named explicitly.
      yield* createNamespace("sources")
      yield* setStageSet(ns, "late", [
        {
          name: "only",
          source: "missing",
          extra: { sourceRef: { kind: "ConfigMap", name: "missing", namespace: "sources" } },
        },
      ])
      yield* Effect.forkScoped(asProcess(runController))
      yield* eventually(
        Effect.flatMap(statusOf(ns, "late"), (s) =>
          assert(
            s?.conditions?.some((c) => c.type === "Ready" && c.reason === "SourceNotReady") ===
              true,
            "not failed yet",
          ),
        ),
      )
      // Created later: the index maps sources/missing to the StageSet (the hour-long failure
      // backoff rules out a timed retry).
      yield* setSource("sources", "missing", { "m.yaml": yamlOf([configMap("m")]) })
      yield* eventually(isReady(ns, "late"))
      expect(yield* getObject(cmKey(ns, "m"))).toBeDefined()
    }).pipe(Effect.provide(testLayer(Duration.hours(1)))),
  )

  it.scopedLive(
    "a StageSet naming a producer is reconciled as soon as an ExternalArtifact names that producer",
    () =>
      Effect.gen(function* () {
        const ns = "apps"
        yield* createNamespace(ns)
        yield* installFluxCrds
        yield* setStageSet(ns, "produced", [
          {
            name: "only",
            source: "unused",
            extra: {
              sourceRef: { apiVersion: "jaas.metio.wtf/v1", kind: "JsonnetSnippet", name: "dash" },
            },
          },
        ])
        yield* Effect.forkScoped(asProcess(runController))
        yield* eventually(
          Effect.flatMap(statusOf(ns, "produced"), (s) =>
            assert(
              s?.conditions?.some((c) => c.type === "Ready" && c.reason === "SourceNotReady") ===
                true,
              "not failed yet",
            ),
          ),
        )
        // The producer publishes: only the ExternalArtifact's back-pointer links it to the
        // StageSet (the hour-long failure backoff rules out a timed retry).
        const url = "http://source.example/externalartifact/apps/dash.tar.gz"
        const bytes = yield* tarGz([{ name: "m.yaml", content: yamlOf([configMap("m")]) }])
        yield* (yield* ArtifactServer).register(url, bytes)
        const kube = yield* KubeClient
        const artifactKey = {
          apiVersion: "source.toolkit.fluxcd.io/v1",
          kind: "ExternalArtifact",
          namespace: ns,
          name: "dash-artifact",
        }
        yield* kube.create({
          apiVersion: artifactKey.apiVersion,
          kind: artifactKey.kind,
          metadata: { name: artifactKey.name, namespace: ns },
          spec: {
            sourceRef: { apiVersion: "jaas.metio.wtf/v1", kind: "JsonnetSnippet", name: "dash" },
          },
        })
        yield* (yield* InMemoryDriver).setStatus(artifactKey, {
          artifact: { url, revision: "v1", digest: sha256(bytes) },
        })
        yield* eventually(isReady(ns, "produced"))
        expect(yield* getObject(cmKey(ns, "m"))).toBeDefined()
      }).pipe(Effect.provide(testLayer(Duration.hours(1)))),
  )

  it.scopedLive(
    "with shards, reconciles only the held shards' StageSets; acquiring a shard queues its StageSets",
    () =>
      Effect.gen(function* () {
        const ns = "sharded"
        yield* createNamespace(ns)
        yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("one")]) })
        // Two StageSets in each of two shards.
        const names = { 0: [] as Array<string>, 1: [] as Array<string> }
        for (let i = 0; names[0].length < 2 || names[1].length < 2; i++) {
          const list = names[stageSetShard(`${ns}/ss-${i}`, 2) as 0 | 1]
          if (list.length < 2) list.push(`ss-${i}`)
        }
        for (const name of [...names[0], ...names[1]])
          yield* setStageSet(ns, name, [{ name: "only", source: "src" }])

        // A stand-in for the shard Leases: which shards are held is set by the test.
        const held = yield* SubscriptionRef.make<ReadonlySet<number>>(new Set([0]))
        const owns = (key: string) =>
          Effect.map(SubscriptionRef.get(held), (h) => h.has(stageSetShard(key, 2)))
        const ownership: ShardOwnershipApi = {
          shards: 2,
          owns,
          guard: (key, effect) =>
            Effect.flatMap(owns(key), (mine) =>
              mine ? Effect.asSome(effect) : Effect.succeed(Option.none()),
            ),
          held: held.changes,
        }
        yield* Effect.forkScoped(
          asProcess(runController).pipe(Effect.provideService(ShardOwnership, ownership)),
        )
        for (const name of names[0]) yield* eventually(isReady(ns, name))
        for (const name of names[1]) expect(yield* settled(ns, name)).toBe(0)

        // Acquiring shard 1 reconciles its StageSets although nothing about them changed.
        yield* SubscriptionRef.set(held, new Set([0, 1]))
        for (const name of names[1]) yield* eventually(isReady(ns, name))
      }).pipe(Effect.provide(testLayer())),
  )
})
