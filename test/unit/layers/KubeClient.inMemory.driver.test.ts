import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, TestClock } from "effect"
import {
  InMemoryDriver,
  KubeClientInMemory,
  makeKubeClientInMemory,
} from "../../../layers/KubeClient.inMemory.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const ours = { fieldManager: "stageset-controller", force: false }
const cmKey = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace: "apps", name })
const configMap = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "apps" },
  data,
})

const setup = Effect.gen(function* () {
  const cluster = yield* makeKubeClientInMemory()
  yield* cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } })
  yield* cluster.driver.clearLogs
  return cluster
})

describe("in-memory KubeClient: driver", () => {
  it.effect("failNext: 429 with Retry-After, 500, reset fail before anything happens", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* driver.failNext(1, { verb: "apply", kind: "ConfigMap" }, "429", {
        retryAfterSeconds: 7,
      })
      yield* driver.failNext(1, { verb: "apply" }, "500")
      yield* driver.failNext(1, { verb: "apply" }, "reset")
      const throttled = yield* Effect.flip(client.apply(configMap("a"), ours))
      expect(throttled._tag).toBe("KubeTooManyRequests")
      expect(throttled._tag === "KubeTooManyRequests" && throttled.retryAfterSeconds).toBe(7)
      const server = yield* Effect.flip(client.apply(configMap("a"), ours))
      expect(server._tag === "KubeTransport" && server.status).toBe(500)
      const reset = yield* Effect.flip(client.apply(configMap("a"), ours))
      expect(reset._tag).toBe("KubeTransport")
      expect(reset._tag === "KubeTransport" && reset.status).toBeUndefined()
      expect(reset.message).toBe("connection reset")
      expect(yield* driver.writeLog).toEqual([])
      expect(Option.isNone(yield* driver.getObject(cmKey("a")))).toBe(true)
      yield* client.apply(configMap("a"), ours)
      const outcomes = (yield* driver.requestLog).map((r) => `${r.verb}:${r.outcome}`)
      expect(outcomes).toEqual([
        "apply:KubeTooManyRequests",
        "apply:KubeTransport",
        "apply:KubeTransport",
        "apply:ok",
      ])
    }),
  )

  it.effect("failNext only matches its verb and kind; 409 maps to a Conflict", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* driver.failNext(1, { verb: "update", kind: "Secret" }, "409")
      const cm = yield* client.create(configMap("a"))
      yield* client.update({ ...cm, data: { k: "v" } })
      const secret = yield* client.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s", namespace: "apps" },
      })
      const error = yield* Effect.flip(client.update(secret))
      expect(error._tag === "KubeConflict" && error.reason).toBe("Conflict")
    }),
  )

  it.effect("failAfter performs the write, then the caller sees a reset (a lost response)", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* driver.failAfter(1, { verb: "apply" })
      const error = yield* Effect.flip(client.apply(configMap("a", { k: "v" }), ours))
      expect(error._tag).toBe("KubeTransport")
      const stored = yield* driver.getObject(cmKey("a"))
      expect(Option.map(stored, (o) => o.data)).toEqual(Option.some({ k: "v" }))
      expect((yield* driver.writeLog).map((e) => [e.verb, e.changed])).toEqual([["apply", true]])
      // the retry is a no-op apply
      yield* client.apply(configMap("a", { k: "v" }), ours)
      expect((yield* driver.writeLog).map((e) => e.changed)).toEqual([true, false])
    }),
  )

  it.effect("latency sleeps on the Clock, so TestClock controls it", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* driver.latency("2 seconds")
      const fiber = yield* client
        .get({ apiVersion: "v1", kind: "Namespace", name: "apps" })
        .pipe(Effect.fork)
      yield* TestClock.adjust("1 second")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 second")
      const ns = yield* Fiber.join(fiber)
      expect(ns.metadata.name).toBe("apps")
    }),
  )

  it.effect("impersonation: writes logged with the identity; denied identities get 403", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const deployer = client.impersonate("system:serviceaccount:apps:deployer")
      yield* deployer.apply(configMap("a"), ours)
      yield* driver.denyIdentity("system:serviceaccount:apps:deployer", ["apply"], ["apps"])
      const error = yield* Effect.flip(deployer.apply(configMap("b"), ours))
      expect(error._tag).toBe("KubeForbidden")
      expect(error.message).toBe(
        'configmaps "b" is forbidden: User "system:serviceaccount:apps:deployer" cannot patch resource "configmaps" in API group "" in the namespace "apps"',
      )
      yield* deployer.get(cmKey("a"))
      yield* client.apply(configMap("b"), ours)
      expect((yield* driver.writeLog).map((e) => e.identity)).toEqual([
        "system:serviceaccount:apps:deployer",
        "stageset-controller",
      ])
      yield* driver.allowIdentity("system:serviceaccount:apps:deployer")
      yield* deployer.apply(configMap("c"), ours)
    }),
  )

  it.effect(
    "setStatus bumps resourceVersion, never generation, and may compute from the object",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        const d = yield* client.apply(
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "web", namespace: "apps" },
            spec: { replicas: 1 },
          },
          ours,
        )
        const ready = yield* driver.setStatus(
          { apiVersion: "apps/v1", kind: "Deployment", namespace: "apps", name: "web" },
          (current) => ({ observedGeneration: current.metadata.generation, readyReplicas: 1 }),
        )
        expect(ready.status).toEqual({ observedGeneration: 1, readyReplicas: 1 })
        expect(ready.metadata.generation).toBe(1)
        expect(Number(ready.metadata.resourceVersion)).toBeGreaterThan(
          Number(d.metadata.resourceVersion),
        )
        expect(ready.metadata.managedFields?.map((e) => [e.manager, e.subresource])).toEqual([
          ["stageset-controller", undefined],
          ["kube-controller-manager", "status"],
        ])
        const inv = yield* client.apply(
          {
            apiVersion: "stages.metio.wtf/v1",
            kind: "StageInventory",
            metadata: { name: "i", namespace: "apps" },
            spec: {},
          },
          ours,
        )
        const withStatus = yield* driver.setStatus(
          {
            apiVersion: "stages.metio.wtf/v1",
            kind: "StageInventory",
            namespace: "apps",
            name: "i",
          },
          { note: "x" },
        )
        expect(withStatus.metadata.generation).toBe(inv.metadata.generation)
        const log = yield* driver.writeLog
        expect(log.filter((e) => e.origin === "driver").map((e) => e.identity)).toEqual([
          "kube-controller-manager",
          "kube-controller-manager",
        ])
      }),
  )

  it.effect("onWrite hooks see each write before the caller resumes and can be removed", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const third = yield* Deferred.make<string>()
      const seen: Array<string> = []
      const remove = yield* driver.onWrite((entry) =>
        Effect.gen(function* () {
          seen.push(`${entry.verb} ${entry.key.name}`)
          if (seen.length === 3) yield* Deferred.succeed(third, `${entry.verb} ${entry.changed}`)
        }),
      )
      yield* client.apply(configMap("a"), ours)
      yield* client.create(configMap("b"))
      yield* client.delete(cmKey("a"))
      expect(yield* Deferred.await(third)).toBe("delete true")
      yield* remove
      yield* client.delete(cmKey("b"))
      expect(seen).toEqual(["apply a", "create b", "delete a"])
    }),
  )

  it.effect("a hook that interrupts emulates a crash right after the write", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* driver.onWrite((entry) => (entry.key.name === "b" ? Effect.interrupt : Effect.void))
      const program = Effect.gen(function* () {
        yield* client.apply(configMap("a"), ours)
        yield* client.apply(configMap("b"), ours)
        yield* client.apply(configMap("c"), ours)
      })
      const exit = yield* Effect.exit(program)
      expect(exit._tag).toBe("Failure")
      const names = (yield* driver.objects({ kind: "ConfigMap" })).map((o) => o.metadata.name)
      expect(names).toEqual(["a", "b"])
    }),
  )

  it.effect("pauseControllers holds the namespace controller until resumed", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* client.create(configMap("a"))
      yield* driver.pauseControllers(true)
      yield* client.delete({ apiVersion: "v1", kind: "Namespace", name: "apps" })
      expect(Option.isSome(yield* driver.getObject(cmKey("a")))).toBe(true)
      yield* driver.pauseControllers(false)
      expect(Option.isNone(yield* driver.getObject(cmKey("a")))).toBe(true)
      expect(
        Option.isNone(
          yield* driver.getObject({ apiVersion: "v1", kind: "Namespace", name: "apps" }),
        ),
      ).toBe(true)
    }),
  )

  it.layer(KubeClientInMemory)(
    "the layer provides KubeClient and InMemoryDriver over one cluster",
    (it) => {
      it.effect("shares state", () =>
        Effect.gen(function* () {
          const client = yield* KubeClient
          const driver = yield* InMemoryDriver
          yield* client.create({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "x", namespace: "default" },
          })
          const objects = yield* driver.objects({ kind: "ConfigMap", namespace: "default" })
          expect(objects.map((o) => o.metadata.name)).toEqual(["x"])
        }),
      )
    },
  )

  it.effect("concurrent applies are serialised: every write gets its own resourceVersion", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const names = Array.from({ length: 50 }, (_, i) => `cm-${i}`)
      yield* Effect.forEach(names, (name) => client.apply(configMap(name, { k: name }), ours), {
        concurrency: 10,
      })
      const rvs = (yield* driver.writeLog).map((e) => Number(e.resourceVersion))
      expect(new Set(rvs).size).toBe(50)
      expect((yield* driver.objects({ kind: "ConfigMap", namespace: "apps" })).length).toBe(50)
    }),
  )
})
