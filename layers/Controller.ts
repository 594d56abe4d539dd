import { hostname } from "node:os"
import { Duration, Effect, Layer, Option } from "effect"
import { ControllerConfig, defaultControllerConfig } from "../src/controller/ControllerConfig.ts"
import type { EventRecorder } from "../src/controller/EventRecorder.ts"
import type { ControllerFlags } from "../src/controller/Flags.ts"
import { leaderIdentity } from "../src/controller/LeaderElection.ts"
import { type OwnWrites, ownWritesKubeClientLayer } from "../src/controller/OwnWrites.ts"
import { ProcessInfo } from "../src/controller/ProcessInfo.ts"
import type { InventoryStore } from "../src/inventory-store/InventoryStore.ts"
import { instrumentedKubeClientLayer } from "../src/kube/instrumentedKubeClient.ts"
import { KubeClient } from "../src/kube/KubeClient.ts"
import type { RemoteClusters } from "../src/kube/RemoteClusters.ts"
import { resilientKubeClientLayer } from "../src/kube/resilientKubeClient.ts"
import type { AppliedCache } from "../src/programs/AppliedCache.ts"
import type { ArtifactFetcher } from "../src/programs/ArtifactFetcher.ts"
import type { Kustomize } from "../src/programs/Kustomize.ts"
import type { Readiness } from "../src/programs/Readiness.ts"
import { defaultReconcileConfig, ReconcileConfig } from "../src/programs/ReconcileConfig.ts"
import type { StageIdentity } from "../src/programs/StageIdentity.ts"
import { CONTROLLER_VERSION } from "../src/version.ts"
import { AppliedCacheMemory } from "./AppliedCache.memory.ts"
import { ArtifactFetcherLive } from "./ArtifactFetcher.live.ts"
import { EventRecorderKube } from "./EventRecorder.kube.ts"
import { InventoryStoreLive } from "./InventoryStore.live.ts"
import { makeKubeClientLive } from "./KubeClient.live.ts"
import { kustomizeLayer } from "./kustomize/findKustomize.ts"
import { type KubeConfigError, loadKubeConfig } from "./live/loadKubeConfig.ts"
import { OwnWritesMemory } from "./OwnWrites.memory.ts"
import { ReadinessKube } from "./Readiness.kube.ts"
import { RemoteClustersLive } from "./RemoteClusters.live.ts"
import { StageIdentityImpersonating } from "./StageIdentity.ts"

/** Everything the controller loop needs, as the process builds it. */
export type ControllerServices =
  | KubeClient
  | InventoryStore
  | Readiness
  | ReconcileConfig
  | AppliedCache
  | ArtifactFetcher
  | Kustomize
  | ControllerConfig
  | EventRecorder
  | OwnWrites
  | StageIdentity
  | RemoteClusters

/**
 * The layers of the controller process: the kubeconfig resolved like kubectl, the Live
 * KubeClient over it, wrapped once in the process's token bucket and retry policy, and
 * every other service over that one client. Only the controller's composition root
 * (`src/roots/controller.ts`) uses this.
 */
export const controllerLayer = (
  flags: ControllerFlags,
): Layer.Layer<ControllerServices | ProcessInfo, KubeConfigError> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const { kubeconfig, origin } = yield* loadKubeConfig({
        ...Option.match(flags.kubeconfig, {
          onNone: () => ({}),
          onSome: (kubeconfigPath) => ({ kubeconfigPath }),
        }),
        ...Option.match(flags.context, { onNone: () => ({}), onSome: (context) => ({ context }) }),
      })
      const info = {
        identity: yield* leaderIdentity(hostname()),
        version: CONTROLLER_VERSION,
        server: kubeconfig.getCurrentCluster()?.server ?? "",
        kubeconfigOrigin: origin,
      }
      return Layer.merge(servicesOver(flags, kubeconfig, info), Layer.succeed(ProcessInfo, info))
    }),
  )

const servicesOver = (
  flags: ControllerFlags,
  kubeconfig: Parameters<typeof makeKubeClientLive>[0]["kubeconfig"],
  who: { readonly identity: string; readonly version: string },
): Layer.Layer<ControllerServices> => {
  const raw = Layer.scoped(
    KubeClient,
    makeKubeClientLive({
      kubeconfig,
      userAgent: `stageset-controller/${who.version}`,
      // Every watch holds a connection; leave room for the apply fan-out of every worker.
      maxSockets: Math.max(100, flags.concurrent * flags.applyConcurrency + 32),
    }),
  ).pipe(Layer.orDie)
  // Requests are counted on the raw client, so every retry shows in the metrics. Our own
  // writes are noted above the retries: one logical write, one resourceVersion.
  const kube = ownWritesKubeClientLayer.pipe(
    Layer.provide(
      resilientKubeClientLayer({ qps: flags.kubeApiQps, burst: flags.kubeApiBurst }).pipe(
        Layer.provide(instrumentedKubeClientLayer),
        Layer.provide(raw),
      ),
    ),
    Layer.provideMerge(OwnWritesMemory),
  )
  const config = Layer.mergeAll(
    Layer.succeed(ReconcileConfig, {
      ...defaultReconcileConfig,
      inventoryMode: flags.inventoryMode,
      shardCap: flags.inventoryShardCap,
      applyConcurrency: flags.applyConcurrency,
      version: who.version,
      maxTeardownWait: flags.maxTeardownWait,
      defaultServiceAccount: Option.getOrUndefined(flags.defaultServiceAccount),
      noCrossNamespaceRefs: flags.noCrossNamespaceRefs,
    }),
    Layer.succeed(ControllerConfig, {
      ...defaultControllerConfig,
      concurrent: flags.concurrent,
      defaultInterval: flags.defaultInterval,
      watchNamespaces: flags.watchNamespaces,
    }),
  )
  const services = Layer.mergeAll(
    InventoryStoreLive,
    AppliedCacheMemory,
    ReadinessKube(),
    EventRecorderKube({ instance: who.identity }),
    ArtifactFetcherLive({ timeout: Duration.minutes(2), allowHosts: flags.allowArtifactHosts }),
    StageIdentityImpersonating.pipe(Layer.provide(config)),
    kustomizeLayer(flags.kustomizePath),
    // spec.kubeConfig clusters: the same request limits, a bucket of their own each.
    RemoteClustersLive({
      limits: { qps: flags.kubeApiQps, burst: flags.kubeApiBurst },
      userAgent: `stageset-controller/${who.version}`,
    }),
  ).pipe(Layer.provideMerge(kube))
  return Layer.merge(services, config)
}
