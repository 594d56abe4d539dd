import { Effect, Layer, Option, type Scope } from "effect"
import { type CliFailure, failure, fromKubeError } from "../../src/cli/CliFailure.ts"
import type { ClusterFlags, Connection } from "../../src/cli/Cluster.ts"
import { API_VERSION, STAGE_SET_KIND } from "../../src/inventory/Labels.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import { defaultApiLimits, makeResilientKubeClient } from "../../src/kube/resilientKubeClient.ts"
import { makeKubeClientLive } from "../KubeClient.live.ts"
import { loadKubeConfig } from "./loadKubeConfig.ts"

/**
 * The programs' services, imported when a command builds them (build, diff, plan, apply):
 * `get` and `inventory` never load the artifact fetcher's HTTP client, the CEL interpreter
 * or the renderers (B10: start-up was most of their time).
 */
const programServices = Layer.unwrapEffect(
  Effect.promise(() => import("../ProgramServices.live.ts")).pipe(
    Effect.map((module) => module.ProgramServicesLive),
  ),
)

/**
 * `Cluster.connect` over the kubeconfig the flags name, the API server checked once. In a
 * module of its own that `Cluster.live.ts` imports on the first connection (see there).
 */
export const connect = (
  flags: ClusterFlags,
  namespace: Option.Option<string>,
): Effect.Effect<Connection, CliFailure, Scope.Scope> =>
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
    const client = Layer.succeed(KubeClient, kube)
    return {
      kube,
      server,
      services: programServices.pipe(Layer.provideMerge(client)),
      namespace: Option.getOrElse(namespace, () => contextNamespace || "default"),
    }
  })
