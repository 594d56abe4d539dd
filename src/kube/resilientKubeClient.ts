import { Duration, Effect, Layer, RateLimiter, type Scope, Stream } from "effect"
import { KubeClient, type KubeClientApi } from "./KubeClient.ts"
import { retryApi } from "./RetryPolicy.ts"

/** Client-side limits shared by every call of the process (`--kube-api-qps/burst`). */
export interface ApiLimits {
  readonly qps: number
  readonly burst: number
}

export const defaultApiLimits: ApiLimits = { qps: 50, burst: 100 }

/**
 * Wraps any KubeClient (Live or InMemory) with the one token bucket of the process and
 * the shared retry policy, so programs never retry or throttle by hand and the fault
 * tests exercise exactly the code that runs in production.
 */
export const makeResilientKubeClient = (
  inner: KubeClientApi,
  limits: ApiLimits,
): Effect.Effect<KubeClientApi, never, Scope.Scope> =>
  Effect.gen(function* () {
    // A bucket of `burst` tokens refilled at `qps` per second.
    const bucket = yield* RateLimiter.make({
      limit: Math.max(1, limits.burst),
      interval: Duration.millis((1000 * Math.max(1, limits.burst)) / Math.max(0.001, limits.qps)),
      algorithm: "token-bucket",
    })
    const wrap = (client: KubeClientApi): KubeClientApi => {
      const call = <A, E, R>(effect: Effect.Effect<A, E, R>) => bucket(effect)
      return {
        apply: (object, options) => retryApi(call(client.apply(object, options))),
        get: (key) => retryApi(call(client.get(key))),
        list: (kind, options) => retryApi(call(client.list(kind, options))),
        // A create that timed out may have happened; callers treat AlreadyExists accordingly.
        create: (object) => retryApi(call(client.create(object))),
        update: (object) => retryApi(call(client.update(object))),
        updateStatus: (object) => retryApi(call(client.updateStatus(object))),
        delete: (key, options) => retryApi(call(client.delete(key, options))),
        // One token per watch request; events are not throttled. Re-watching is the informer's job.
        watch: (kind, options) => Stream.unwrap(call(Effect.succeed(client.watch(kind, options)))),
        // No token for discovery: it is answered from the client's cache on every call but
        // the first per group, and it runs once per object applied. Throttling it spent
        // half the bucket on lookups that send nothing (B1: 2 000 tokens for 1 000 applies).
        discover: (apiVersion, kind) => retryApi(client.discover(apiVersion, kind)),
        resources: () => retryApi(client.resources()),
        invalidateDiscovery: client.invalidateDiscovery,
        impersonate: (username) => wrap(client.impersonate(username)),
      }
    }
    return wrap(inner)
  })

/** Replaces the KubeClient in context with its resilient wrapper. */
export const resilientKubeClientLayer = (limits: ApiLimits) =>
  Layer.scoped(
    KubeClient,
    Effect.flatMap(KubeClient, (inner) => makeResilientKubeClient(inner, limits)),
  )
