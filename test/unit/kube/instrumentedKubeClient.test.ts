import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Metric, Stream, TestClock } from "effect"
import { InMemoryDriver, KubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { apiRequests } from "../../../src/controller/metrics.ts"
import {
  type ApiVerb,
  instrumentedKubeClientLayer,
} from "../../../src/kube/instrumentedKubeClient.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { resilientKubeClientLayer } from "../../../src/kube/resilientKubeClient.ts"

// Effect metrics are global per process: every assertion is on a delta between two readings.
const combos: ReadonlyArray<readonly [ApiVerb, string]> = [
  ["create", "201"],
  ["create", "409"],
  ["get", "200"],
  ["get", "404"],
  ["list", "200"],
  ["apply", "200"],
  ["apply", "429"],
  ["apply", "500"],
  ["apply", "error"],
  ["update", "200"],
  ["update", "503"],
  ["updateStatus", "200"],
  ["delete", "200"],
  ["watch", "200"],
  ["watch", "410"],
  ["discover", "200"],
  ["discover", "404"],
]

const read = Effect.forEach(combos, ([verb, code]) =>
  Metric.value(apiRequests.pipe(Metric.tagged("verb", verb), Metric.tagged("code", code))).pipe(
    Effect.map((state) => [`${verb} ${code}`, state.count] as const),
  ),
).pipe(Effect.map((pairs) => new Map(pairs)))

/** Counts by "verb code" that changed while `effect` ran. */
const delta = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const before = yield* read
    yield* effect
    const after = yield* read
    const changed: Record<string, number> = {}
    for (const [key, value] of after) {
      const diff = value - (before.get(key) ?? 0)
      if (diff !== 0) changed[key] = diff
    }
    return changed
  })

const ours = { fieldManager: "stageset-controller", force: false }
const cm = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default" },
  data: { k: name },
})
const cmKey = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  namespace: "default",
  name,
})
const cmKind = { apiVersion: "v1", kind: "ConfigMap" }

const Instrumented = instrumentedKubeClientLayer.pipe(Layer.provideMerge(KubeClientInMemory))
// The production order: retries above the counter, so each attempt is a request.
const Resilient = resilientKubeClientLayer({ qps: 1000, burst: 1000 }).pipe(
  Layer.provide(instrumentedKubeClientLayer),
  Layer.provideMerge(KubeClientInMemory),
)

describe("instrumentedKubeClient", () => {
  it.effect("counts each call by verb and HTTP code, scripted faults included", () =>
    Effect.gen(function* () {
      const client = yield* KubeClient
      const driver = yield* InMemoryDriver
      const counted = yield* delta(
        Effect.gen(function* () {
          const created = yield* client.create(cm("a"))
          yield* Effect.flip(client.create(cm("a")))
          yield* client.get(cmKey("a"))
          yield* Effect.flip(client.get(cmKey("missing")))
          yield* client.list(cmKind, { namespace: "default" })
          yield* driver.failNext(1, { verb: "apply" }, "500")
          yield* driver.failNext(1, { verb: "apply" }, "429")
          yield* driver.failNext(1, { verb: "apply" }, "reset")
          for (let i = 0; i < 3; i++) yield* Effect.flip(client.apply(cm("b"), ours))
          yield* client.apply(cm("b"), ours)
          yield* driver.failNext(1, { verb: "update" }, "503")
          yield* Effect.flip(client.update(created))
          yield* client.update({ ...created, data: { k: "changed" } })
          // ConfigMaps have no status subresource; a Namespace has.
          const ns = yield* client.get({ apiVersion: "v1", kind: "Namespace", name: "default" })
          yield* client.updateStatus(ns)
          yield* client.delete(cmKey("b"))
          yield* client.discover("v1", "ConfigMap")
          yield* Effect.flip(client.discover("example.com/v1", "Nothing"))
          yield* client.resources()
        }),
      )
      expect(counted).toEqual({
        "create 201": 1,
        "create 409": 1,
        "get 200": 2,
        "get 404": 1,
        "list 200": 1,
        "apply 500": 1,
        "apply 429": 1,
        "apply error": 1,
        "apply 200": 1,
        "update 503": 1,
        "update 200": 1,
        "updateStatus 200": 1,
        "delete 200": 1,
        "discover 200": 2,
        "discover 404": 1,
      })
    }).pipe(Effect.provide(Instrumented)),
  )

  it.effect("a watch counts once: 200 when it streams, its code when it fails", () =>
    Effect.gen(function* () {
      const client = yield* KubeClient
      const driver = yield* InMemoryDriver
      const counted = yield* delta(
        Effect.gen(function* () {
          const listed = yield* client.list(cmKind, { namespace: "default" })
          const fiber = yield* client
            .watch(cmKind, { namespace: "default", resourceVersion: listed.resourceVersion })
            .pipe(Stream.take(2), Stream.runDrain, Effect.fork)
          while ((yield* driver.activeWatches) < 1) yield* Effect.yieldNow()
          yield* client.create(cm("w1"))
          yield* client.create(cm("w2"))
          yield* Fiber.join(fiber)
          yield* driver.failNext(1, { verb: "watch" }, "410")
          yield* Effect.flip(
            client
              .watch(cmKind, { namespace: "default", resourceVersion: listed.resourceVersion })
              .pipe(Stream.runDrain),
          )
        }),
      )
      expect(counted).toEqual({ "list 200": 1, "watch 200": 1, "watch 410": 1, "create 201": 2 })
    }).pipe(Effect.provide(Instrumented)),
  )

  it.effect("impersonated calls count too", () =>
    Effect.gen(function* () {
      const client = yield* KubeClient
      const counted = yield* delta(
        client.impersonate("system:serviceaccount:default:deployer").apply(cm("c"), ours),
      )
      expect(counted).toEqual({ "apply 200": 1 })
    }).pipe(Effect.provide(Instrumented)),
  )

  it.effect("below the retry wrapper every attempt counts as a request", () =>
    Effect.gen(function* () {
      const client = yield* KubeClient
      const driver = yield* InMemoryDriver
      yield* driver.failNext(2, { verb: "apply" }, "500")
      const counted = yield* delta(
        Effect.gen(function* () {
          const fiber = yield* Effect.fork(client.apply(cm("d"), ours))
          yield* TestClock.adjust("1 minute")
          yield* Fiber.join(fiber)
        }),
      )
      expect(counted).toEqual({ "apply 500": 2, "apply 200": 1 })
    }).pipe(Effect.provide(Resilient)),
  )
})
