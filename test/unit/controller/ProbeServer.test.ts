import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Option, Ref, Scope } from "effect"
import type { BindAddress } from "../../../src/controller/bindAddress.ts"
import { ProbeServerLive, serveProbes } from "../../../src/controller/ProbeServer.ts"
import { httpGet } from "./httpGet.ts"

const loopback: BindAddress = { host: "127.0.0.1", port: 0 }

class Synced extends Context.Tag("test/Synced")<Synced, Ref.Ref<boolean>>() {}

describe("ProbeServer", () => {
  it.scopedLive("/healthz is 200; /readyz is 503 until the readiness check passes", () =>
    Effect.gen(function* () {
      const synced = yield* Ref.make(false)
      const address = yield* serveProbes(loopback, Ref.get(synced))
      expect(yield* httpGet(address, "/healthz")).toMatchObject({ status: 200, body: "ok\n" })
      expect(yield* httpGet(address, "/readyz")).toMatchObject({
        status: 503,
        body: "not ready\n",
      })
      yield* Ref.set(synced, true)
      expect(yield* httpGet(address, "/readyz")).toMatchObject({ status: 200, body: "ok\n" })
      yield* Ref.set(synced, false)
      expect((yield* httpGet(address, "/readyz")).status).toBe(503)
      expect((yield* httpGet(address, "/metrics")).status).toBe(404)
    }),
  )

  it.scopedLive("a check that dies counts as not ready, and the process stays live", () =>
    Effect.gen(function* () {
      const address = yield* serveProbes(loopback, Effect.dieMessage("informer gone"))
      expect((yield* httpGet(address, "/readyz")).status).toBe(503)
      expect((yield* httpGet(address, "/healthz")).status).toBe(200)
    }),
  )

  it.live("the layer takes the check's requirements from context; `none` serves nothing", () =>
    Effect.gen(function* () {
      const synced = yield* Ref.make(true)
      const scope = yield* Scope.make()
      // The layer hides its address, so reach it through a free port found first.
      const probe = yield* Scope.make()
      const free = yield* serveProbes(loopback, Effect.succeed(true)).pipe(Scope.extend(probe))
      yield* Scope.close(probe, Exit.void)
      if (free._tag !== "TcpAddress") return yield* Effect.dieMessage("expected TCP")
      const layer = ProbeServerLive(
        Option.some({ host: "127.0.0.1", port: free.port }),
        Effect.flatMap(Synced, Ref.get),
      ).pipe(Layer.provide(Layer.succeed(Synced, synced)))
      yield* Layer.buildWithScope(layer, scope)
      expect((yield* httpGet(free, "/readyz")).status).toBe(200)
      yield* Scope.close(scope, Exit.void)
      expect(Exit.isFailure(yield* Effect.exit(httpGet(free, "/healthz")))).toBe(true)

      const none = yield* Effect.scoped(
        Layer.build(ProbeServerLive(Option.none(), Effect.succeed(true))),
      )
      expect(none.unsafeMap.size).toBe(0)
    }),
  )
})
