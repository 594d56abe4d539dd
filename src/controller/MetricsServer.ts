import * as Metrics from "@effect/opentelemetry/Metrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { HttpRouter, type HttpServer, HttpServerResponse } from "@effect/platform"
import type { ServeError } from "@effect/platform/HttpServerError"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import { Data, Effect, Layer, Option, type Scope } from "effect"
import type { BindAddress } from "./bindAddress.ts"
import { serveAt } from "./serveAt.ts"

/**
 * Prometheus `/metrics` for every Effect Metric of the process (the instruments of
 * metrics.ts and any library's). The instrument API stays Effect's `Metric`; the export goes
 * through libraries instead of a hand-written registry: @effect/opentelemetry's Metrics module
 * turns Effect's metric snapshot into an OpenTelemetry MetricProducer, and
 * @opentelemetry/exporter-prometheus reads it (its PrometheusExporter is the MetricReader,
 * with its own server off) and renders the text exposition format (counters, gauges,
 * histograms with _bucket/_sum/_count, tags as labels).
 */

/** Text exposition format 0.0.4, which every Prometheus version scrapes. */
export const prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

/** A scrape that could not collect or render; the endpoint answers 500 and the next scrape retries. */
export class MetricsScrapeError extends Data.TaggedError("MetricsScrapeError")<{
  readonly cause: unknown
}> {}

// Scope labels (otel_scope_name on every sample) and the target_info series describe the OTel
// pipeline, not the controller; Prometheus's own target labels identify the pod.
const exporterOptions = { withoutScopeInfo: true, withoutTargetInfo: true } as const

/**
 * Registers the Effect-to-OpenTelemetry bridge with a Prometheus reader for the life of the
 * scope (shut down when it closes) and returns one scrape: the current exposition text.
 */
export const makePrometheusScrape: Effect.Effect<
  Effect.Effect<string, MetricsScrapeError>,
  never,
  Scope.Scope
> = Effect.gen(function* () {
  const exporter = new PrometheusExporter({ preventServerStart: true, ...exporterOptions })
  // The exporter's own serializer is private; this one has the same settings.
  const serializer = new PrometheusSerializer(
    undefined,
    false,
    undefined,
    exporterOptions.withoutTargetInfo,
    exporterOptions.withoutScopeInfo,
  )
  const producer = yield* Metrics.makeProducer.pipe(Effect.provide(Resource.layerEmpty))
  yield* Metrics.registerProducer(producer, () => exporter)
  return Effect.gen(function* () {
    const collected = yield* Effect.tryPromise({
      try: () => exporter.collect(),
      catch: (cause) => new MetricsScrapeError({ cause }),
    })
    // Partial errors still leave a usable collection: serve it and say what was missing.
    if (collected.errors.length > 0)
      yield* Effect.logWarning("metrics collection reported errors").pipe(
        Effect.annotateLogs({ errors: collected.errors.map(String) }),
      )
    return yield* Effect.try({
      try: () => serializer.serialize(collected.resourceMetrics),
      catch: (cause) => new MetricsScrapeError({ cause }),
    })
  })
})

/** The router serving `GET /metrics` from a scrape. */
export const metricsRouter = (scrape: Effect.Effect<string, MetricsScrapeError>) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/metrics",
      scrape.pipe(
        Effect.map((body) => HttpServerResponse.text(body, { contentType: prometheusContentType })),
        Effect.catchAll((error) =>
          Effect.logWarning("metrics scrape failed").pipe(
            Effect.annotateLogs({ cause: String(error.cause) }),
            Effect.as(HttpServerResponse.text("# scrape failed\n", { status: 500 })),
          ),
        ),
      ),
    ),
  )

/** Serves `/metrics` on `address` until the scope closes; returns the bound address. */
export const serveMetrics = (
  address: BindAddress,
): Effect.Effect<HttpServer.Address, ServeError, Scope.Scope> =>
  Effect.flatMap(makePrometheusScrape, (scrape) =>
    serveAt("metrics endpoint", address, metricsRouter(scrape)),
  )

/**
 * The metrics endpoint as a scoped layer (`--metrics-bind-address`, parsed by
 * `parseBindAddress`); `Option.none()` (the flag `0` or `""`) serves nothing.
 */
export const MetricsServerLive = (
  address: Option.Option<BindAddress>,
): Layer.Layer<never, ServeError> =>
  Option.match(address, {
    onNone: () => Layer.empty,
    onSome: (bind) => Layer.scopedDiscard(serveMetrics(bind)),
  })
