import { Effect, Option, type Scope } from "effect"
import { makeKubeClientLive } from "../../layers/KubeClient.live.ts"
import { loadKubeConfig } from "../../layers/live/loadKubeConfig.ts"
import { API_VERSION, STAGE_SET_KIND } from "../inventory/Labels.ts"
import type { KubeClientApi } from "../kube/KubeClient.ts"
import { defaultApiLimits, makeResilientKubeClient } from "../kube/resilientKubeClient.ts"
import { type CliFailure, failure, fromKubeError } from "./CliFailure.ts"

export interface ClusterFlags {
  readonly kubeconfig: Option.Option<string>
  readonly context: Option.Option<string>
}

export interface Cluster {
  /** The resilient client (retries, token bucket), as the controller uses it. */
  readonly kube: KubeClientApi
  /** `-n`, else the context's namespace, else `default`. */
  readonly namespace: string
  /** The API server URL, for messages. */
  readonly server: string
}

/**
 * Resolves the kubeconfig like kubectl (home config included) and checks once, without
 * retries, that the API server answers and serves StageSets: an unreachable cluster
 * should fail in a second with a clear message, not after the retry policy's ~20 s.
 */
export const connect = (
  flags: ClusterFlags,
  namespace: Option.Option<string>,
): Effect.Effect<Cluster, CliFailure, Scope.Scope> =>
  Effect.gen(function* () {
    const source = {
      ...Option.match(flags.kubeconfig, {
        onNone: () => ({}),
        onSome: (kubeconfigPath) => ({ kubeconfigPath }),
      }),
      ...Option.match(flags.context, { onNone: () => ({}), onSome: (context) => ({ context }) }),
      userAgent: "stagesetctl",
    }
    const { kubeconfig } = yield* loadKubeConfig(source).pipe(
      Effect.mapError((error) => failure(`cannot use the kubeconfig: ${error.message}`)),
    )
    const server = kubeconfig.getCurrentCluster()?.server ?? "(unknown server)"
    const inner = yield* makeKubeClientLive({
      kubeconfig,
      userAgent: "stagesetctl",
      requestTimeout: "30 seconds",
    }).pipe(Effect.mapError((error) => failure(`cannot use the kubeconfig: ${error.message}`)))
    yield* inner
      .discover(API_VERSION, STAGE_SET_KIND)
      .pipe(
        Effect.mapError((error) =>
          error._tag === "KubeNotFound"
            ? failure(
                `the StageSet CRD (${API_VERSION}) is not installed in the cluster at ${server}`,
              )
            : error._tag === "KubeTransport"
              ? failure(`cannot reach the cluster at ${server}: ${error.message}`)
              : fromKubeError(error, { verb: "discover", resource: "the API" }),
        ),
      )
    const kube = yield* makeResilientKubeClient(inner, defaultApiLimits)
    const contextNamespace = kubeconfig.getContextObject(kubeconfig.getCurrentContext())?.namespace
    return {
      kube,
      server,
      namespace: Option.getOrElse(namespace, () => contextNamespace || "default"),
    }
  })
