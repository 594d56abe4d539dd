import { Duration, Effect, Layer, Schedule, type Scope } from "effect"
import { inject } from "vitest"
import { KubeClientLive } from "../../layers/KubeClient.live.ts"
import { KubeConfigSource } from "../../layers/live/loadKubeConfig.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { KubeError } from "../../src/kube/KubeError.ts"

/** The Live KubeClient against the run's cluster (the local control plane or STAGESET_TEST_KUBECONFIG). */
export const LiveKubeClient = KubeClientLive.pipe(
  Layer.provide(
    KubeConfigSource.layer({
      kubeconfigPath: inject("kubeconfig"),
      userAgent: "stageset-cluster-tests",
    }),
  ),
  Layer.orDie,
)

const suffix = () => Math.random().toString(36).slice(2, 8)

/** A fresh namespace for one test, deleted (without waiting) when the test's scope closes. */
export const testNamespace = (
  prefix: string,
): Effect.Effect<string, KubeError, KubeClient | Scope.Scope> =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const name = `${prefix}-${suffix()}`
    yield* Effect.acquireRelease(
      kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } }),
      () => Effect.ignore(kube.delete({ apiVersion: "v1", kind: "Namespace", name })),
    )
    return name
  })

export const uniqueName = (prefix: string): string => `${prefix}-${suffix()}`

/** Retries `check` every 200 ms until it succeeds or `within` passes (the cluster converges asynchronously). */
export const eventually = <A, E, R>(
  check: Effect.Effect<A, E, R>,
  within: Duration.DurationInput = Duration.seconds(60),
): Effect.Effect<A, E, R> =>
  check.pipe(Effect.retry(Schedule.spaced(Duration.millis(200)).pipe(Schedule.upTo(within))))
