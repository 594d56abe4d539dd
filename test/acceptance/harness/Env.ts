import { Duration, type Effect, Layer, type Scope } from "effect"
import { AppliedCacheMemory } from "../../../layers/AppliedCache.memory.ts"
import {
  ArtifactFetcherInMemory,
  type ArtifactServer,
} from "../../../layers/ArtifactFetcher.inMemory.ts"
import { InventoryStoreLive } from "../../../layers/InventoryStore.live.ts"
import { KustomizeUnavailable } from "../../../layers/Kustomize.unavailable.ts"
import { ReadinessKube } from "../../../layers/Readiness.kube.ts"
import { RemoteClustersNone } from "../../../layers/RemoteClusters.inMemory.ts"
import { StageIdentityImpersonating } from "../../../layers/StageIdentity.ts"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import type { InventoryStore } from "../../../src/inventory-store/InventoryStore.ts"
import type { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { RemoteClusters } from "../../../src/kube/RemoteClusters.ts"
import {
  defaultApiLimits,
  resilientKubeClientLayer,
} from "../../../src/kube/resilientKubeClient.ts"
import type { AppliedCache } from "../../../src/programs/AppliedCache.ts"
import type { ArtifactFetcher } from "../../../src/programs/ArtifactFetcher.ts"
import type { Kustomize } from "../../../src/programs/Kustomize.ts"
import type { Readiness } from "../../../src/programs/Readiness.ts"
import {
  defaultReconcileConfig,
  ReconcileConfig,
  type ReconcileConfigApi,
} from "../../../src/programs/ReconcileConfig.ts"
import type { StageIdentity } from "../../../src/programs/StageIdentity.ts"
import type { FaultsCapability } from "./faultInjector.ts"
import { type Recorder, RecorderLayer, recordingKubeClient } from "./Recorder.ts"

/** Everything a scenario's programs and assertions need. */
export type ScenarioServices =
  | KubeClient
  | InventoryStore
  | Readiness
  | ReconcileConfig
  | AppliedCache
  | ArtifactFetcher
  | ArtifactServer
  | StageIdentity
  | RemoteClusters
  | Kustomize
  | Recorder

/**
 * Where a scenario runs: the in-memory API (a fresh cluster per test) or a real
 * kube-apiserver (one shared control plane; each test uses its own namespaces and
 * uniquely named cluster-scoped objects).
 */
export interface AcceptanceEnv {
  readonly name: string
  /** A KubeClient layer: a fresh in-memory cluster, or the live control plane. */
  readonly kube: () => Layer.Layer<KubeClient>
  /** A cluster whose API faults on request (S17): the in-memory driver, or a proxy in front of the live server. */
  readonly faults?: FaultsCapability
  /**
   * Another cluster, empty but for the CRDs (S14 restores into it): a fresh in-memory
   * cluster, or a second local control plane (started once per file, on first use).
   */
  readonly secondCluster: Effect.Effect<Layer.Layer<KubeClient>, never, Scope.Scope>
  /**
   * A cluster that StageSets reach through `spec.kubeConfig`: its client, a kubeconfig for
   * it (credentials embedded, as a Secret holds it) and the RemoteClusters that resolve
   * that kubeconfig to it. In-memory: a fresh cluster under a made-up server URL; live: the
   * second control plane.
   */
  readonly remoteCluster: Effect.Effect<RemoteWorld, never, Scope.Scope>
  /**
   * Kustomize: the real binary where the env may start processes (live); in-memory, the
   * builds the binary did in the live world, replayed (test/acceptance/harness/
   * recordedKustomize.ts). Absent, builds that need kustomize fail with BuildFailed.
   */
  readonly kustomize?: Layer.Layer<Kustomize>
}

/**
 * One cluster shared by several layer builds within a test (a controller restart, a changed
 * flag): the env's KubeClient layer is built on first use and reused by every
 * `scenarioLayer(cluster, ...)` until the test's scope closes. `env.kube()` alone gives the
 * in-memory env a fresh cluster per build.
 */
export const sharedCluster = (
  env: AcceptanceEnv,
): Effect.Effect<Layer.Layer<KubeClient>, never, Scope.Scope> => Layer.memoize(env.kube())

export interface RemoteWorld {
  readonly kube: Layer.Layer<KubeClient>
  readonly kubeconfig: string
  readonly clusters: Layer.Layer<RemoteClusters>
}

export interface ScenarioOptions {
  readonly mode: InventoryMode
  readonly shardCap?: number
  /** Overrides of the reconcile settings (timeouts). */
  readonly config?: Partial<ReconcileConfigApi>
  /** Kustomize for this run; default: unavailable (see AcceptanceEnv.kustomize). */
  readonly kustomize?: Layer.Layer<Kustomize>
  /** The clusters `spec.kubeConfig` reaches; default: none (every kubeconfig is unreachable). */
  readonly remoteClusters?: Layer.Layer<RemoteClusters>
}

/** The services of one scenario run, over the given KubeClient layer. */
export const scenarioLayer = (
  kube: Layer.Layer<KubeClient>,
  options: ScenarioOptions,
): Layer.Layer<ScenarioServices> => {
  const config: ReconcileConfigApi = {
    ...defaultReconcileConfig,
    inventoryMode: options.mode,
    shardCap: options.shardCap ?? defaultReconcileConfig.shardCap,
    defaultTimeout: Duration.seconds(30),
    deleteTimeout: Duration.seconds(30),
    ...options.config,
  }
  // The same retry policy and token bucket as production, behind the write recorder.
  const resilient = resilientKubeClientLayer(defaultApiLimits).pipe(Layer.provide(kube))
  const recorded = recordingKubeClient.pipe(
    Layer.provideMerge(RecorderLayer),
    Layer.provide(resilient),
  )
  const reconcileConfig = Layer.succeed(ReconcileConfig, config)
  return Layer.mergeAll(
    InventoryStoreLive,
    // Each build is a fresh process: a controller restart starts with nothing cached.
    AppliedCacheMemory,
    ReadinessKube({ recheckEvery: "1 second" }),
    ArtifactFetcherInMemory(),
    options.kustomize ?? KustomizeUnavailable("this test world starts no processes"),
    reconcileConfig,
    StageIdentityImpersonating.pipe(Layer.provide(reconcileConfig)),
    options.remoteClusters ?? RemoteClustersNone,
  ).pipe(Layer.provideMerge(recorded))
}

export const MODES: ReadonlyArray<InventoryMode> = ["hybrid", "entries", "applyset"]
