import { Effect, Stream } from "effect"
import { KubeClient } from "../kube/KubeClient.ts"
import type { KubeError } from "../kube/KubeError.ts"
import { FLUX_SOURCE_API_VERSION } from "../programs/resolveSource.ts"
import { fluxSourceSummary } from "./fluxSourceSummary.ts"
import { type InformerEvent, informerReconnectSchedule, makeInformer } from "./Informer.ts"
import { logSourceKindNotWatched, mayListAndWatch } from "./mayListAndWatch.ts"

/**
 * Watches one Flux source kind if the cluster serves it and the controller may list and
 * watch it; discovery errors other than "not served" are retried with the informer's
 * reconnect backoff.
 */
export const watchFluxKind = (
  kind: string,
  namespaces: ReadonlyArray<string>,
  handle: (event: InformerEvent) => Effect.Effect<void>,
): Effect.Effect<void, never, KubeClient> =>
  Effect.flatMap(KubeClient, (kube) =>
    kube.discover(FLUX_SOURCE_API_VERSION, kind).pipe(
      Effect.tapError((error: KubeError) =>
        error._tag === "KubeNotFound"
          ? Effect.void
          : Effect.logWarning("discovery failed; retrying").pipe(
              Effect.annotateLogs({ kind, error: error.message }),
            ),
      ),
      Effect.retry({
        schedule: informerReconnectSchedule,
        while: (error) => error._tag !== "KubeNotFound",
      }),
      Effect.matchEffect({
        onFailure: () =>
          Effect.logInfo("Flux source kind not served; not watched").pipe(
            Effect.annotateLogs({ kind, apiVersion: FLUX_SOURCE_API_VERSION }),
          ),
        onSuccess: () =>
          Effect.gen(function* () {
            const source = { apiVersion: FLUX_SOURCE_API_VERSION, kind }
            if (!(yield* mayListAndWatch(source, namespaces)))
              return yield* logSourceKindNotWatched(source)
            const informer = yield* makeInformer(source, {
              namespaces,
              transform: fluxSourceSummary,
            })
            yield* Stream.runForEach(informer.events, handle)
          }),
      }),
    ),
  )
