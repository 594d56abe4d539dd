import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { KubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { resilientKubeClientLayer } from "../../../src/kube/resilientKubeClient.ts"

// A bucket of one token that refills once a second; the TestClock never moves here, so
// anything that needs a second token waits forever.
const Throttled = resilientKubeClientLayer({ qps: 1, burst: 1 }).pipe(
  Layer.provide(KubeClientInMemory),
)
const settle = Effect.repeatN(Effect.yieldNow(), 100)

describe("the shared token bucket", () => {
  it.effect("throttles requests: the second GET waits for a token", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const key = { apiVersion: "v1", kind: "Namespace", name: "default" }
      const gets = yield* Effect.fork(Effect.all([kube.get(key), kube.get(key)]))
      yield* settle
      expect((yield* Fiber.poll(gets))._tag).toBe("None")
    }).pipe(Effect.provide(Throttled)),
  )

  it.effect("does not spend tokens on discovery lookups", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const lookups = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 20 }), () => kube.discover("v1", "ConfigMap")),
      )
      yield* settle
      expect((yield* Fiber.poll(lookups))._tag).toBe("Some")
      // The one token is still there for a request.
      const get = yield* Effect.fork(
        kube.get({ apiVersion: "v1", kind: "Namespace", name: "default" }),
      )
      yield* settle
      expect((yield* Fiber.poll(get))._tag).toBe("Some")
    }).pipe(Effect.provide(Throttled)),
  )
})
