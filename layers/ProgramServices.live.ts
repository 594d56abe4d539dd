import { Layer, Option } from "effect"
import type { ProgramServices } from "../src/cli/Cluster.ts"
import type { KubeClient } from "../src/kube/KubeClient.ts"
import { defaultReconcileConfig, ReconcileConfig } from "../src/programs/ReconcileConfig.ts"
import { TargetCluster } from "../src/programs/TargetCluster.ts"
import { AppliedCacheMemory } from "./AppliedCache.memory.ts"
import { ArtifactFetcherLive } from "./ArtifactFetcher.live.ts"
import { InventoryStoreLive } from "./InventoryStore.live.ts"
import { kustomizeLayer } from "./kustomize/findKustomize.ts"
import { ReadinessKube } from "./Readiness.kube.ts"
import { StageIdentityOwn } from "./StageIdentity.ts"

/**
 * What stagesetctl's commands hand the programs they run, over the connection's client:
 * renders (artifact downloads, kustomize), inventory reads and writes, applies and
 * readiness waits. In a module of its own so that `live/connectCluster.ts` loads it (and the HTTP
 * client, tar reader and CEL interpreter it brings) only when a command runs a program.
 */
export const ProgramServicesLive: Layer.Layer<
  Exclude<ProgramServices, KubeClient>,
  never,
  KubeClient
> = Layer.mergeAll(
  InventoryStoreLive,
  ArtifactFetcherLive(),
  StageIdentityOwn,
  TargetCluster.layerLocal,
  Layer.succeed(ReconcileConfig, defaultReconcileConfig),
  ReadinessKube(),
  AppliedCacheMemory,
  kustomizeLayer(Option.none()),
)
