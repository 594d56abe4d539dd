import { Effect, Stream } from "effect"
import type { KubeClient } from "../kube/KubeClient.ts"
import { type InformerEvent, identityOnly, makeInformer } from "./Informer.ts"
import { logSourceKindNotWatched, mayListAndWatch } from "./mayListAndWatch.ts"

/**
 * Watches ConfigMaps or Secrets for enqueueing the StageSets that read them, if the
 * controller may list and watch them; only their metadata is listed and watched (a Secret's
 * data never reaches the process this way) and only their identity is cached.
 */
export const watchCoreSource = (
  kind: "ConfigMap" | "Secret",
  namespaces: ReadonlyArray<string>,
  handle: (event: InformerEvent) => Effect.Effect<void>,
): Effect.Effect<void, never, KubeClient> =>
  Effect.gen(function* () {
    const source = { apiVersion: "v1", kind }
    if (!(yield* mayListAndWatch(source, namespaces))) return yield* logSourceKindNotWatched(source)
    const informer = yield* makeInformer(source, {
      namespaces,
      transform: identityOnly,
      metadataOnly: true,
    })
    yield* Stream.runForEach(informer.events, handle)
  })
