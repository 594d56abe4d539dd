import { subscribe, unsubscribe } from "node:diagnostics_channel"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { describe, expect, it } from "@effect/vitest"
import { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import { Deferred, Duration, Effect, Exit } from "effect"
import { makeTransport } from "../../../layers/live/transport.ts"

interface Stand {
  readonly url: string
  /** Done when the connection of a request closes. */
  readonly closed: Deferred.Deferred<void>
}

/** A loopback API server stand-in: `answer` decides, per request, whether it ever responds. */
const serve = (answer: (req: IncomingMessage, res: ServerResponse) => void) =>
  Effect.gen(function* () {
    const closed = yield* Deferred.make<void>()
    const server = createServer((req, res) => {
      req.socket.once("close", () => Deferred.unsafeDone(closed, Exit.void))
      answer(req, res)
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        }),
    )
    const { port } = server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, closed } satisfies Stand
  })

const transportFor = (url: string) => {
  const kubeconfig = new KubeConfig()
  kubeconfig.loadFromOptions({
    clusters: [{ name: "k", server: url, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "c", cluster: "k", user: "u" }],
    currentContext: "c",
  })
  return makeTransport({
    kubeconfig,
    userAgent: "test",
    requestTimeout: Duration.millis(150),
    maxSockets: 4,
  })
}

describe("the live transport", () => {
  it.scopedLive(
    "fails a request the API server never answers, naming it, and closes its connection",
    () =>
      Effect.gen(function* () {
        const server = yield* serve(() => {})
        const transport = yield* transportFor(server.url)
        const exit = yield* Effect.exit(
          transport.send({ method: "GET", path: "/api/v1/pods?limit=1" }),
        )
        expect(exit).toStrictEqual(
          Exit.fail(
            expect.objectContaining({
              _tag: "KubeTransport",
              message: "no response within 150ms",
              request: "GET /api/v1/pods",
            }),
          ),
        )
        // The socket is not handed back to the pool mid-request: the server sees it close.
        yield* Deferred.await(server.closed)
      }),
  )

  it.scopedLive("returns an answer that arrives in time, and leaves no timer behind", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, res) => {
        res.setHeader("Content-Type", "application/json")
        res.end(JSON.stringify({ kind: "APIVersions", versions: ["v1"] }))
      })
      const transport = yield* transportFor(server.url)
      const body = yield* transport.json({ method: "GET", path: "/api" })
      expect(body).toEqual({ kind: "APIVersions", versions: ["v1"] })
      // Past the deadline the answered request is still a success (its timer was cleared).
      yield* Effect.sleep("300 millis")
      expect(yield* transport.json({ method: "GET", path: "/api" })).toEqual(body)
    }),
  )

  it.scopedLive("a finished request does not keep its caller's fiber, nor what it holds", () =>
    Effect.gen(function* () {
      const server = yield* serve((_req, res) => res.end("{}"))
      const transport = yield* transportFor(server.url)
      // Node's https.Agent keeps the request that opened a pooled socket for as long as
      // the socket lives; here the test keeps every request itself, on plain http.
      const requests: Array<unknown> = []
      const keep = (message: unknown) => requests.push((message as { request: unknown }).request)
      subscribe("http.client.request.start", keep)
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => unsubscribe("http.client.request.start", keep)),
      )
      // The caller's fiber ends holding a large result; nothing else refers to it.
      let result: WeakRef<object> | undefined
      const caller = Effect.gen(function* () {
        yield* transport.json({ method: "GET", path: "/api" })
        const large = { rows: Array.from({ length: 10_000 }, (_, i) => ({ i })) }
        result = new WeakRef(large)
        return large
      })
      yield* Effect.promise(() => Effect.runPromise(caller).then(() => undefined))
      expect(requests).toHaveLength(1)
      setFlagsFromString("--expose-gc")
      const gc = runInNewContext("gc") as () => void
      let collected = false
      for (let attempt = 0; attempt < 10 && !collected; attempt++) {
        yield* Effect.sleep("10 millis")
        gc()
        collected = result?.deref() === undefined
      }
      expect(collected).toBe(true)
    }),
  )
})
