import { Effect, Layer, Option } from "effect"
import { Cluster } from "../src/cli/Cluster.ts"
import { KubeClient } from "../src/kube/KubeClient.ts"
import { defaultReconcileConfig, ReconcileConfig } from "../src/programs/ReconcileConfig.ts"
import { TargetCluster } from "../src/programs/TargetCluster.ts"
import { AppliedCacheMemory } from "./AppliedCache.memory.ts"
import { ArtifactFetcherInMemory } from "./ArtifactFetcher.inMemory.ts"
import { InventoryStoreLive } from "./InventoryStore.live.ts"
import { KustomizeUnavailable } from "./Kustomize.unavailable.ts"
import { ReadinessKube } from "./Readiness.kube.ts"
import { StageIdentityOwn } from "./StageIdentity.ts"

/**
 * stagesetctl's clusters over the KubeClient of the surrounding layer (the in-memory API
 * server in tests): every connection is that one cluster, whatever kubeconfig is named; the
 * namespace is `-n` or `default`. Artifacts come from the in-memory fetcher (none served).
 */
export const ClusterInMemory: Layer.Layer<Cluster, never, KubeClient> = Layer.effect(
  Cluster,
  Effect.map(KubeClient, (kube) => {
    const services = Layer.mergeAll(
      InventoryStoreLive,
      ArtifactFetcherInMemory(),
      ReadinessKube({ recheckEvery: "1 second" }),
      AppliedCacheMemory,
      StageIdentityOwn,
      TargetCluster.layerLocal,
      Layer.succeed(ReconcileConfig, defaultReconcileConfig),
      KustomizeUnavailable("the in-memory cluster starts no processes"),
    ).pipe(Layer.provideMerge(Layer.succeed(KubeClient, kube)))
    return {
      connect: (_flags, namespace) =>
        Effect.succeed({
          kube,
          namespace: Option.getOrElse(namespace, () => "default"),
          server: "in-memory",
          services,
        }),
    }
  }),
)
