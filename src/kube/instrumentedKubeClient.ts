import { Cause, Effect, Exit, Layer, Metric, Option, Ref, Stream } from "effect"
import { apiRequestsOf } from "../controller/metrics.ts"
import { KubeClient, type KubeClientApi } from "./KubeClient.ts"
import type { KubeError } from "./KubeError.ts"

/**
 * Counts Kubernetes API requests in `stageset_kube_api_requests_total` by `verb` and `code`.
 *
 * Where it sits: directly on the raw client (Live or InMemory), *below* the resilient wrapper
 * (retries, token bucket), so every attempt of a retried call counts as the request it is:
 *
 *   resilientKubeClientLayer(limits)
 *     .pipe(Layer.provide(instrumentedKubeClientLayer), Layer.provide(KubeClientLive(...)))
 *
 * It counts calls at the KubeClient boundary, which is one HTTP request per call except for
 * discovery: `discover`/`resources` (both verb `discover`) are answered from the live client's
 * cache most of the time, and a discovery request the live client makes inside another call
 * is not seen here.
 */

/** The `verb` label: the KubeClient method (`resources` counts as `discover`). */
export type ApiVerb =
  | "apply"
  | "get"
  | "list"
  | "create"
  | "update"
  | "updateStatus"
  | "delete"
  | "watch"
  | "discover"

/** The `code` label of a failure: the HTTP status, or `error` when no response arrived. */
export const codeOfError = (error: KubeError): string => {
  switch (error._tag) {
    case "KubeNotFound":
      return "404"
    case "KubeConflict":
      return "409"
    case "KubeGone":
      return "410"
    case "KubeTooManyRequests":
      return "429"
    case "KubeInvalid":
    case "KubeForbidden":
      return String(error.status)
    case "KubeTransport":
      return error.status === undefined ? "error" : String(error.status)
  }
}

/** What the API server answers on success: 201 Created for a create, 200 for the rest. */
const successCode = (verb: ApiVerb): string => (verb === "create" ? "201" : "200")

/** One counter per verb and code, made on first use and kept (see `apiRequestsOf`). */
const counters = new Map<string, Effect.Effect<void>>()

const count = (verb: ApiVerb, code: string): Effect.Effect<void> => {
  const key = `${verb} ${code}`
  let counter = counters.get(key)
  if (counter === undefined) {
    counter = Metric.increment(apiRequestsOf(verb, code))
    counters.set(key, counter)
  }
  return counter
}

/** The code an exit counts under; none for an interruption (the outcome is unknown). */
const codeOfExit = <A>(verb: ApiVerb, exit: Exit.Exit<A, KubeError>): Option.Option<string> =>
  Exit.isSuccess(exit)
    ? Option.some(successCode(verb))
    : Option.match(Cause.failureOption(exit.cause), {
        onSome: (error) => Option.some(codeOfError(error)),
        // A defect inside the client is a request that got no usable answer.
        onNone: () => (Cause.isInterruptedOnly(exit.cause) ? Option.none() : Option.some("error")),
      })

const counted =
  (verb: ApiVerb) =>
  <A, R>(effect: Effect.Effect<A, KubeError, R>): Effect.Effect<A, KubeError, R> =>
    Effect.onExit(effect, (exit) =>
      Option.match(codeOfExit(verb, exit), {
        onNone: () => Effect.void,
        onSome: (code) => count(verb, code),
      }),
    )

/**
 * A watch is one request whose response never really ends, so it counts once per stream run:
 * 200 at the first event (the server accepted it), or the failure's code, or 200 when it ends
 * quietly before any event. A watch interrupted before any event is not counted.
 */
const countedWatch = <A>(stream: Stream.Stream<A, KubeError>): Stream.Stream<A, KubeError> =>
  Stream.unwrap(
    Effect.map(Ref.make(false), (done) => {
      const once = (code: string) =>
        Effect.flatMap(Ref.getAndSet(done, true), (already) =>
          already ? Effect.void : count("watch", code),
        )
      return stream.pipe(
        Stream.tap(() => once("200")),
        Stream.tapError((error) => once(codeOfError(error))),
        Stream.onEnd(once("200")),
      )
    }),
  )

/** Wraps a client so each call counts; impersonated clients count under the same metric. */
export const makeInstrumentedKubeClient = (client: KubeClientApi): KubeClientApi => ({
  apply: (object, options) => counted("apply")(client.apply(object, options)),
  get: (key) => counted("get")(client.get(key)),
  list: (kind, options) => counted("list")(client.list(kind, options)),
  create: (object) => counted("create")(client.create(object)),
  update: (object) => counted("update")(client.update(object)),
  updateStatus: (object) => counted("updateStatus")(client.updateStatus(object)),
  delete: (key, options) => counted("delete")(client.delete(key, options)),
  watch: (kind, options) => countedWatch(client.watch(kind, options)),
  discover: (apiVersion, kind) => counted("discover")(client.discover(apiVersion, kind)),
  resources: () => counted("discover")(client.resources()),
  invalidateDiscovery: client.invalidateDiscovery,
  impersonate: (username) => makeInstrumentedKubeClient(client.impersonate(username)),
})

/** Replaces the KubeClient in context with its counting wrapper; provide it the raw client. */
export const instrumentedKubeClientLayer: Layer.Layer<KubeClient, never, KubeClient> = Layer.effect(
  KubeClient,
  Effect.map(KubeClient, makeInstrumentedKubeClient),
)
