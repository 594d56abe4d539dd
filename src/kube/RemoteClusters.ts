import { Context, Data, type Effect, type Scope } from "effect"
import type { KubeClientApi } from "./KubeClient.ts"

/** Which version of which kubeconfig Secret a remote client was built from: its cache key. */
export interface RemoteClusterKey {
  readonly uid: string
  readonly resourceVersion: string
}

/**
 * A client could not be built from a kubeconfig (no current context, an unusable server
 * URL or TLS material). The message never quotes the kubeconfig.
 */
export class RemoteClusterUnusable extends Data.TaggedError("RemoteClusterUnusable")<{
  readonly message: string
}> {}

/**
 * Clients of the clusters that StageSets apply to with `spec.kubeConfig` (api.md, "StageSets
 * and clusters"). Live: an HTTP client per kubeconfig; InMemory: in-memory clusters
 * registered under their server URL.
 */
export class RemoteClusters extends Context.Tag("stageset/RemoteClusters")<
  RemoteClusters,
  {
    /**
     * The client of the cluster `kubeconfig` names, as its current user, with the same retry
     * policy and client-side rate limit as the controller's own. The kubeconfig must have
     * passed `checkKubeConfig` (no plugins, no files). One client per `key`, shared while
     * any scope holds it; a newer version of the same Secret replaces it, and one that no
     * scope has held for a while is closed.
     */
    readonly connect: (
      kubeconfig: string,
      key: RemoteClusterKey,
    ) => Effect.Effect<KubeClientApi, RemoteClusterUnusable, Scope.Scope>
  }
>() {}
