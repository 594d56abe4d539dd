import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, TestClock } from "effect"
import { InMemoryDriver, KubeClientInMemoryWith } from "../../../layers/KubeClient.inMemory.ts"
import { ReadinessKube } from "../../../layers/Readiness.kube.ts"
import { ActingClientOwn } from "../../../layers/StageIdentity.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"
import { Readiness } from "../../../src/programs/Readiness.ts"

const Cluster = KubeClientInMemoryWith({ namespaces: ["default", "payments"] })
const TestLayer = ReadinessKube().pipe(
  Layer.provideMerge(ActingClientOwn),
  Layer.provideMerge(Cluster),
)

const deployment = (name: string, replicas = 2): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "payments" },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "web", image: "nginx:1" }] },
    },
  },
})

const keyOf = (object: KubeObject): ObjectKey => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  name: object.metadata.name,
  ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
})

const condition = (type: string, status: string, reason: string, message = "") => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-01-01T00:00:00Z",
})

/** What the Deployment controller writes once a rollout of `replicas` is done. */
const rolledOut = (replicas: number) => ({
  observedGeneration: 1,
  replicas,
  updatedReplicas: replicas,
  readyReplicas: replicas,
  availableReplicas: replicas,
  conditions: [
    condition("Available", "True", "MinimumReplicasAvailable"),
    condition("Progressing", "True", "NewReplicaSetAvailable"),
  ],
})

const rollingOut = (replicas: number, available: number) => ({
  observedGeneration: 1,
  replicas,
  updatedReplicas: replicas,
  readyReplicas: available,
  availableReplicas: available,
  conditions: [condition("Progressing", "True", "ReplicaSetUpdated")],
})

const create = (object: KubeObject) => Effect.flatMap(KubeClient, (kube) => kube.create(object))
const setStatus = (object: KubeObject, status: Readonly<Record<string, unknown>>) =>
  Effect.flatMap(InMemoryDriver, (driver) => driver.setStatus(keyOf(object), status))

/** Lets forked fibers run up to their next wait (watch, sleep) without moving the clock. */
const settle = Effect.repeatN(Effect.yieldNow(), 50)

describe("Readiness over the KubeClient", () => {
  it.effect("succeeds at once when everything is already Current", () =>
    Effect.gen(function* () {
      const web = deployment("web")
      yield* create(web)
      yield* setStatus(web, rolledOut(2))
      const config = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "c", namespace: "payments" },
      }
      yield* create(config)
      const result = yield* (yield* Readiness).waitReady(
        [keyOf(web), keyOf(config), keyOf(web)],
        "1 minute",
      )
      expect(result.objects.map((o) => [o.key.kind, o.status])).toEqual([
        ["Deployment", "Current"],
        ["ConfigMap", "Current"],
      ])
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("onWait runs once, only when something is not ready at the first look", () =>
    Effect.gen(function* () {
      const web = deployment("web")
      yield* create(web)
      yield* setStatus(web, rolledOut(2))
      let waits = 0
      const onWait = Effect.sync(() => {
        waits++
      })
      yield* (yield* Readiness).waitReady([keyOf(web)], "1 minute", [], undefined, onWait)
      expect(waits).toBe(0)
      yield* setStatus(web, rollingOut(2, 0))
      const waiting = yield* Effect.fork(
        (yield* Readiness).waitReady([keyOf(web)], "5 minutes", [], undefined, onWait),
      )
      yield* settle
      expect(waits).toBe(1)
      yield* setStatus(web, rollingOut(2, 1))
      yield* settle
      yield* setStatus(web, rolledOut(2))
      yield* Fiber.join(waiting)
      expect(waits).toBe(1)
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("an empty list is ready", () =>
    Effect.gen(function* () {
      expect((yield* (yield* Readiness).waitReady([], "1 second")).objects).toEqual([])
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("is event-driven: a status change ends the wait without the clock moving", () =>
    Effect.gen(function* () {
      const web = deployment("web")
      const api = deployment("api", 1)
      yield* create(web)
      yield* create(api)
      yield* setStatus(web, rollingOut(2, 0))
      yield* setStatus(api, rolledOut(1))
      const waiting = yield* Effect.fork(
        (yield* Readiness).waitReady([keyOf(web), keyOf(api)], "5 minutes"),
      )
      yield* settle
      expect(yield* Fiber.poll(waiting)).toSatisfy((o) => o._tag === "None")
      yield* setStatus(web, rollingOut(2, 1))
      yield* settle
      expect(yield* Fiber.poll(waiting)).toSatisfy((o) => o._tag === "None")
      yield* setStatus(web, rolledOut(2))
      const result = yield* Fiber.join(waiting)
      expect(result.objects.every((o) => o.status === "Current")).toBe(true)
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("takes the status of known live objects instead of reading them", () => {
    // A client whose GET is a defect: the wait must not read what it was handed.
    const NoGets = ReadinessKube().pipe(
      Layer.provideMerge(ActingClientOwn),
      Layer.provideMerge(
        Layer.effect(
          KubeClient,
          Effect.map(KubeClient, (kube) => ({ ...kube, get: () => Effect.die("unexpected GET") })),
        ).pipe(Layer.provideMerge(Cluster)),
      ),
    )
    return Effect.gen(function* () {
      const kube = yield* KubeClient
      const web = deployment("web")
      const api = deployment("api", 1)
      yield* create(web)
      yield* create(api)
      yield* setStatus(web, rollingOut(2, 0))
      yield* setStatus(api, rolledOut(1))
      const known = yield* kube.list({ apiVersion: "apps/v1", kind: "Deployment" })
      const waiting = yield* Effect.fork(
        (yield* Readiness).waitReady([keyOf(web), keyOf(api)], "5 minutes", known.items),
      )
      yield* settle
      expect(yield* Fiber.poll(waiting)).toSatisfy((o) => o._tag === "None")
      // What happens after the known snapshot still arrives through the watch.
      yield* setStatus(web, rolledOut(2))
      const result = yield* Fiber.join(waiting)
      expect(result.objects.every((o) => o.status === "Current")).toBe(true)
    }).pipe(Effect.provide(NoGets))
  })

  it.effect("waits for an object that does not exist yet", () =>
    Effect.gen(function* () {
      const job: KubeObject = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "migrate", namespace: "payments" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image: "m:1" }] } },
        },
      }
      const waiting = yield* Effect.fork((yield* Readiness).waitReady([keyOf(job)], "5 minutes"))
      yield* settle
      yield* create(job)
      yield* settle
      expect(yield* Fiber.poll(waiting)).toSatisfy((o) => o._tag === "None")
      // Created but not started: kstatus still counts it in progress.
      yield* setStatus(job, { active: 0 })
      yield* settle
      expect(yield* Fiber.poll(waiting)).toSatisfy((o) => o._tag === "None")
      yield* setStatus(job, { startTime: "2026-01-01T00:00:00Z", active: 1 })
      expect((yield* Fiber.join(waiting)).objects[0]?.message).toBe(
        "job started: 0/1 succeeded, 1 active, 0 failed",
      )
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("fails fast with VerifyFailed when an object is Failed", () =>
    Effect.gen(function* () {
      const web = deployment("web")
      yield* create(web)
      yield* setStatus(web, {
        ...rollingOut(2, 0),
        conditions: [condition("Progressing", "False", "ProgressDeadlineExceeded", "timed out")],
      })
      const error = yield* Effect.flip((yield* Readiness).waitReady([keyOf(web)], "5 minutes"))
      expect(error._tag).toBe("VerifyFailed")
      expect(error.message).toBe(
        "Deployment payments/web failed: progress deadline exceeded: ProgressDeadlineExceeded: timed out",
      )
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("fails as soon as an object turns Failed during the wait", () =>
    Effect.gen(function* () {
      const job: KubeObject = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "migrate", namespace: "payments" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image: "m:1" }] } },
        },
      }
      yield* create(job)
      const waiting = yield* Effect.fork((yield* Readiness).waitReady([keyOf(job)], "5 minutes"))
      yield* settle
      yield* setStatus(job, {
        failed: 6,
        conditions: [
          condition(
            "Failed",
            "True",
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
          ),
        ],
      })
      const error = yield* Effect.flip(Fiber.join(waiting))
      expect(error._tag).toBe("VerifyFailed")
      if (error._tag === "VerifyFailed") expect(error.key.name).toBe("migrate")
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("times out with VerifyTimeout listing what is not ready", () =>
    Effect.gen(function* () {
      const web = deployment("web", 3)
      yield* create(web)
      yield* setStatus(web, rollingOut(3, 1))
      const missing = {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: "payments",
        name: "data",
      }
      const waiting = yield* Effect.fork(
        (yield* Readiness).waitReady([keyOf(web), missing], "2 minutes"),
      )
      yield* settle
      yield* TestClock.adjust("119 seconds")
      expect(yield* Fiber.poll(waiting)).toSatisfy((o) => o._tag === "None")
      yield* TestClock.adjust("1 second")
      const error = yield* Effect.flip(Fiber.join(waiting))
      expect(error._tag).toBe("VerifyTimeout")
      if (error._tag !== "VerifyTimeout") return
      expect(Duration.toMinutes(error.timeout)).toBe(2)
      expect(error.pending.map((p) => [p.key.name, p.message])).toEqual([
        ["web", "1/3 replicas ready"],
        ["data", "not found"],
      ])
      expect(error.message).toBe(
        "timed out after 2m waiting for 2 objects: Deployment payments/web: 1/3 replicas ready; PersistentVolumeClaim payments/data: not found",
      )
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("the periodic re-check finds changes when watches fail", () =>
    Effect.gen(function* () {
      const driver = yield* InMemoryDriver
      const web = deployment("web")
      yield* create(web)
      yield* setStatus(web, rollingOut(2, 0))
      yield* driver.failNext(1000, { verb: "watch" }, "500")
      const waiting = yield* Effect.fork((yield* Readiness).waitReady([keyOf(web)], "5 minutes"))
      yield* settle
      yield* setStatus(web, rolledOut(2))
      yield* settle
      expect(yield* Fiber.poll(waiting)).toSatisfy((o) => o._tag === "None")
      yield* TestClock.adjust("5 seconds")
      expect((yield* Fiber.join(waiting)).objects[0]?.status).toBe("Current")
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("re-lists and watches again after the watch ends with 410 Gone", () =>
    Effect.gen(function* () {
      const driver = yield* InMemoryDriver
      const web = deployment("web")
      yield* create(web)
      yield* setStatus(web, rollingOut(2, 0))
      const waiting = yield* Effect.fork((yield* Readiness).waitReady([keyOf(web)], "5 minutes"))
      yield* settle
      yield* driver.expireWatchHistory
      yield* driver.closeWatches({ gone: true })
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* settle
      const lists = (yield* driver.requestLog).filter((r) => r.verb === "list")
      expect(lists.length).toBe(2)
      yield* driver.clearLogs
      yield* setStatus(web, rolledOut(2))
      expect((yield* Fiber.join(waiting)).objects[0]?.status).toBe("Current")
      // Ended by the new watch, not by a re-check GET.
      const gets = (yield* driver.requestLog).filter((r) => r.verb === "get")
      expect(gets).toEqual([])
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("cluster-scoped objects: a CRD becomes Established", () =>
    Effect.gen(function* () {
      const crdKey = {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: "ledgers.example.com",
      }
      const crd: KubeObject = {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "ledgers.example.com" },
        spec: {
          group: "example.com",
          scope: "Namespaced",
          names: { kind: "Ledger", plural: "ledgers", singular: "ledger", listKind: "LedgerList" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: "object" } },
            },
          ],
        },
      }
      const waiting = yield* Effect.fork((yield* Readiness).waitReady([crdKey], "1 minute"))
      yield* settle
      yield* create(crd)
      const result = yield* Fiber.join(waiting)
      expect(result.objects[0]?.status).toBe("Current")
    }).pipe(Effect.provide(TestLayer)),
  )
})
