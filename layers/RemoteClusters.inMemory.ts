import { Effect, Layer, Stream } from "effect"
import { kubeConfigServer } from "../src/kube/checkKubeConfig.ts"
import type { KubeClientApi } from "../src/kube/KubeClient.ts"
import { KubeTransport } from "../src/kube/KubeError.ts"
import { RemoteClusters } from "../src/kube/RemoteClusters.ts"

/** A cluster nobody answers for: every call fails as a refused connection does. */
const unreachable = (): KubeClientApi => {
  const refused = (request: string) =>
    new KubeTransport({ message: "connection refused: no cluster answers there", request })
  const client: KubeClientApi = {
    apply: () => Effect.fail(refused("PATCH")),
    get: () => Effect.fail(refused("GET")),
    list: () => Effect.fail(refused("LIST")),
    create: () => Effect.fail(refused("POST")),
    update: () => Effect.fail(refused("PUT")),
    updateStatus: () => Effect.fail(refused("PUT")),
    delete: () => Effect.fail(refused("DELETE")),
    watch: () => Stream.fail(refused("WATCH")),
    discover: () => Effect.fail(refused("discovery")),
    resources: () => Effect.fail(refused("discovery")),
    invalidateDiscovery: Effect.void,
    impersonate: () => client,
  }
  return client
}

/**
 * Remote clusters of the in-memory world: each kubeconfig reaches the cluster registered
 * under its current context's server URL (`clusters`, looked up when it connects, so a
 * test can take a cluster away); any other server is unreachable. No credentials are
 * checked: the in-memory clusters have no authentication.
 */
export const RemoteClustersInMemory = (
  clusters: () => ReadonlyMap<string, KubeClientApi>,
): Layer.Layer<RemoteClusters> =>
  Layer.succeed(
    RemoteClusters,
    RemoteClusters.of({
      connect: (kubeconfig) =>
        Effect.sync(() => {
          const server = kubeConfigServer(kubeconfig)
          return (server === undefined ? undefined : clusters().get(server)) ?? unreachable()
        }),
    }),
  )

/** A world without remote clusters: every kubeconfig names an unreachable one. */
export const RemoteClustersNone: Layer.Layer<RemoteClusters> = RemoteClustersInMemory(
  () => new Map(),
)
