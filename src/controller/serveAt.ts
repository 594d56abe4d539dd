import { createServer } from "node:http"
import type { HttpApp, HttpServerRequest } from "@effect/platform"
import { HttpServer } from "@effect/platform"
import type { ServeError } from "@effect/platform/HttpServerError"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer, type Scope } from "effect"
import { type BindAddress, formatBindAddress } from "./bindAddress.ts"

/**
 * Listens on `address` and serves `app` until the surrounding scope closes, then closes the
 * server (Node's close also drops idle keep-alive connections, so shutdown does not hang on a
 * scraper). Returns the bound address, whose port is the real one when the flag said port 0.
 * An Effect rather than a Layer so tests and callers can read that address. The app needs
 * nothing but the request: callers provide their own services first, which keeps the
 * server's platform services from leaking into (or out of) the app.
 */
export const serveAt = <E>(
  name: string,
  address: BindAddress,
  app: HttpApp.Default<E, HttpServerRequest.HttpServerRequest | Scope.Scope>,
): Effect.Effect<HttpServer.Address, ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const listen = address.host === undefined ? { port: address.port } : address
    const context = yield* Layer.build(NodeHttpServer.layer(() => createServer(), listen))
    yield* HttpServer.serveEffect()(app).pipe(Effect.provide(context))
    const bound = Context.get(context, HttpServer.HttpServer).address
    yield* Effect.logInfo(`${name} listening`).pipe(
      Effect.annotateLogs({
        flag: formatBindAddress(address),
        address: HttpServer.formatAddress(bound),
      }),
    )
    return bound
  })
