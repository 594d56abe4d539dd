import { HttpRouter, type HttpServer, HttpServerResponse } from "@effect/platform"
import type { ServeError } from "@effect/platform/HttpServerError"
import { Duration, Effect, Layer, Option, type Scope } from "effect"
import type { BindAddress } from "./bindAddress.ts"
import { serveAt } from "./serveAt.ts"

/**
 * The kubelet's probes (`--health-probe-bind-address`): `/healthz` answers 200 while the process
 * serves HTTP at all (liveness: only a wedged process fails it, and restarting that one helps),
 * `/readyz` answers 200 only while the caller's readiness check says so, e.g. once the
 * informers have synced, and 503 otherwise.
 */

/** A check slower than this counts as not ready, so a stuck check cannot hang the probe. */
export const readinessCheckTimeout = Duration.seconds(5)

const text = (body: string, status: number) =>
  HttpServerResponse.text(`${body}\n`, { status, contentType: "text/plain; charset=utf-8" })

/** Runs the check; a timeout or a defect means not ready (logged), never a 500. */
const checkReady = <R>(ready: Effect.Effect<boolean, never, R>): Effect.Effect<boolean, never, R> =>
  ready.pipe(
    Effect.timeoutTo({
      duration: readinessCheckTimeout,
      onTimeout: () => false,
      onSuccess: (isReady) => isReady,
    }),
    Effect.catchAllCause((cause) =>
      Effect.logWarning("readiness check failed", cause).pipe(Effect.as(false)),
    ),
  )

/** The router serving `GET /healthz` and `GET /readyz`. */
export const probeRouter = <R>(ready: Effect.Effect<boolean, never, R>) =>
  HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", Effect.succeed(text("ok", 200))),
    HttpRouter.get(
      "/readyz",
      Effect.map(checkReady(ready), (isReady) =>
        isReady ? text("ok", 200) : text("not ready", 503),
      ),
    ),
  )

/** Serves the probes on `address` until the scope closes; returns the bound address. */
export const serveProbes = <R>(
  address: BindAddress,
  ready: Effect.Effect<boolean, never, R>,
): Effect.Effect<HttpServer.Address, ServeError, Scope.Scope | R> =>
  Effect.flatMap(Effect.context<R>(), (context) =>
    serveAt("health probes", address, probeRouter(Effect.provide(ready, context))),
  )

/**
 * The probe endpoint as a scoped layer; `Option.none()` (the flag `0` or `""`) serves nothing.
 * `ready` runs on every `/readyz` request, so it should be cheap (read a Ref or a Deferred).
 */
export const ProbeServerLive = <R>(
  address: Option.Option<BindAddress>,
  ready: Effect.Effect<boolean, never, R>,
): Layer.Layer<never, ServeError, Exclude<R, Scope.Scope>> =>
  Option.match(address, {
    onNone: () => Layer.empty,
    onSome: (bind) => Layer.scopedDiscard(serveProbes(bind, ready)),
  })
