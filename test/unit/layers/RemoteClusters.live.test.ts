import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope, TestClock } from "effect"
import { RemoteClustersLive } from "../../../layers/RemoteClusters.live.ts"
import { RemoteClusters } from "../../../src/kube/RemoteClusters.ts"
import { defaultApiLimits } from "../../../src/kube/resilientKubeClient.ts"

// Building a client sends nothing; no server needs to listen at this address.
const kubeconfig = JSON.stringify({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name: "k", cluster: { server: "https://127.0.0.1:1" } }],
  users: [{ name: "u", user: { token: "t" } }],
  contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
  "current-context": "c",
})

const layer = RemoteClustersLive({ limits: defaultApiLimits, userAgent: "test", idle: "5 minutes" })

/** Connects in a scope of its own; returns the client and the scope (closing it releases). */
const hold = (resourceVersion: string, uid = "secret-uid") =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const clusters = yield* RemoteClusters
    const client = yield* clusters
      .connect(kubeconfig, { uid, resourceVersion })
      .pipe(Scope.extend(scope))
    return { client, release: Scope.close(scope, Exit.void) }
  })

describe("RemoteClustersLive", () => {
  it.scoped("shares one client per Secret version while it is held", () =>
    Effect.gen(function* () {
      const a = yield* hold("1")
      const b = yield* hold("1")
      expect(b.client).toBe(a.client)
      const other = yield* hold("1", "other-uid")
      expect(other.client).not.toBe(a.client)
    }).pipe(Effect.provide(layer)),
  )

  it.scoped("a newer version of the Secret retires the old client once it is released", () =>
    Effect.gen(function* () {
      const old = yield* hold("1")
      const fresh = yield* hold("2")
      expect(fresh.client).not.toBe(old.client)
      // Still held: a run in progress keeps its client.
      expect((yield* hold("1")).client).toBe(old.client)
    }).pipe(Effect.provide(layer)),
  )

  it.scoped("a retired client is closed when its last holder lets go", () =>
    Effect.gen(function* () {
      const old = yield* hold("1")
      yield* hold("2")
      yield* old.release
      // Closed and forgotten: asking for that version again builds a new client.
      expect((yield* hold("1")).client).not.toBe(old.client)
    }).pipe(Effect.provide(layer)),
  )

  it.scoped("an idle client is kept for a while, then closed", () =>
    Effect.gen(function* () {
      const first = yield* hold("1")
      yield* first.release
      yield* TestClock.adjust("2 minutes")
      const second = yield* hold("1")
      expect(second.client).toBe(first.client)
      yield* second.release
      yield* TestClock.adjust("7 minutes")
      expect((yield* hold("1")).client).not.toBe(first.client)
    }).pipe(Effect.provide(layer)),
  )
})
