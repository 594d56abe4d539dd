import { Context, Effect, Layer } from "effect"
import {
  InMemoryDriver,
  type InMemoryDriverApi,
  KubeClientInMemory,
} from "../../../layers/KubeClient.inMemory.ts"
import type { KubeClient } from "../../../src/kube/KubeClient.ts"

/** The client calls a scenario can make fail (named after the KubeClient methods). */
export type FaultVerb = "apply" | "get" | "list" | "delete" | "update" | "updateStatus"

/**
 * - `429`: Too Many Requests with Retry-After (`retryAfterSeconds`, default 1);
 * - `500`: an internal server error;
 * - `reset`: the connection drops before the request reaches the server;
 * - `lost`: the request is performed, then the connection drops before the response.
 */
export type FaultKind = "429" | "500" | "reset" | "lost"

/** The next `times` calls of `verb` on `kind` in `namespace` fail with `fault`. */
export interface FaultSpec {
  readonly times: number
  readonly verb: FaultVerb
  readonly kind: string
  readonly namespace: string
  readonly fault: FaultKind
  readonly retryAfterSeconds?: number
}

export interface FaultInjectorApi {
  readonly inject: (spec: FaultSpec) => Effect.Effect<void>
  /** How many injected faults have fired so far. */
  readonly fired: Effect.Effect<number>
}

/** Scripts API faults under a scenario, the same way against the in-memory API and a live one. */
export class FaultInjector extends Context.Tag("test/FaultInjector")<
  FaultInjector,
  FaultInjectorApi
>() {}

/** What an acceptance env offers for fault scenarios (S17): a cluster whose API faults on request. */
export interface FaultsCapability {
  /** Like `AcceptanceEnv.kube`, plus the injector for that cluster. */
  readonly kube: () => Layer.Layer<KubeClient | FaultInjector>
}

const driverInjector = (driver: InMemoryDriverApi): FaultInjectorApi => ({
  inject: (spec) => {
    const match = { verb: spec.verb, kind: spec.kind, namespace: spec.namespace }
    if (spec.fault === "lost") return driver.failAfter(spec.times, match)
    return driver.failNext(
      spec.times,
      match,
      spec.fault,
      spec.fault === "429" ? { retryAfterSeconds: spec.retryAfterSeconds ?? 1 } : undefined,
    )
  },
  // Nothing else makes the in-memory server answer 429 or drop a connection.
  fired: Effect.map(
    driver.requestLog,
    (log) =>
      log.filter((r) => r.outcome === "KubeTooManyRequests" || r.outcome === "KubeTransport")
        .length,
  ),
})

/** The in-memory API's faults, through its driver (a fresh cluster per build). */
export const inMemoryFaults: FaultsCapability = {
  kube: () =>
    Layer.effect(FaultInjector, Effect.map(InMemoryDriver, driverInjector)).pipe(
      Layer.provideMerge(KubeClientInMemory),
    ),
}
