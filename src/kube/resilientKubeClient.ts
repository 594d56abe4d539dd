import { Effect, Layer, type Scope, Stream } from "effect"
import { type ApiLimits, makeFairTokenBucket } from "./fairTokenBucket.ts"
import { KubeClient, type KubeClientApi } from "./KubeClient.ts"
import { retryApi } from "./RetryPolicy.ts"

export type { ApiLimits } from "./fairTokenBucket.ts"

export const defaultApiLimits: ApiLimits = { qps: 50, burst: 100 }

/**
 * Wraps any KubeClient (Live or InMemory) with the one token bucket of the process, granted
 * in turn to the StageSets that wait for it (see fairTokenBucket), and the shared retry
 * policy, so programs never retry or throttle by hand and the fault tests exercise exactly
 * the code that runs in production.
 */
export const makeResilientKubeClient = (
  inner: KubeClientApi,
  limits: ApiLimits,
): Effect.Effect<KubeClientApi, never, Scope.Scope> =>
  Effect.gen(function* () {
    const bucket = yield* makeFairTokenBucket(limits)
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
