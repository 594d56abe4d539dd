import { Context, Effect, type Layer, type Option, type Scope } from "effect"
import type { InventoryStore } from "../inventory-store/InventoryStore.ts"
import type { KubeClient, KubeClientApi } from "../kube/KubeClient.ts"
import type { AppliedCache } from "../programs/AppliedCache.ts"
import type { ArtifactFetcher } from "../programs/ArtifactFetcher.ts"
import type { Kustomize } from "../programs/Kustomize.ts"
import type { Readiness } from "../programs/Readiness.ts"
import type { ReconcileConfig } from "../programs/ReconcileConfig.ts"
import type { StageIdentity } from "../programs/StageIdentity.ts"
import type { TargetCluster } from "../programs/TargetCluster.ts"
import type { CliFailure } from "./CliFailure.ts"

export interface ClusterFlags {
  readonly kubeconfig: Option.Option<string>
  readonly context: Option.Option<string>
}

/**
 * What the programs a command runs need, over one connection: renders, inventory reads,
 * applies and readiness waits (the applied cache starts empty: nothing is skipped). Its
 * `StageIdentity` is the kubeconfig's own: stagesetctl acts as whoever runs it, never as
 * a StageSet's ServiceAccount. Its `TargetCluster` is that same cluster: stagesetctl
 * refuses a StageSet that applies to a remote one (`spec.kubeConfig`). Its `ReconcileConfig` is the defaults: it does not know
 * the flags the controller runs with.
 */
export type ProgramServices =
  | KubeClient
  | StageIdentity
  | TargetCluster
  | InventoryStore
  | ArtifactFetcher
  | ReconcileConfig
  | Readiness
  | AppliedCache
  | Kustomize

export interface Connection {
  /** The resilient client (retries, token bucket), as the controller uses it. */
  readonly kube: KubeClientApi
  /** `-n`, else the context's namespace, else `default`. */
  readonly namespace: string
  /** The API server URL, for messages. */
  readonly server: string
  /** The services a command hands the programs it runs. */
  readonly services: Layer.Layer<ProgramServices>
}

/**
 * How stagesetctl reaches a cluster. Commands ask this tag; the CLI's composition root
 * provides the implementation, so no command builds a client or a layer itself.
 */
export class Cluster extends Context.Tag("stagesetctl/Cluster")<
  Cluster,
  {
    /**
     * Resolves the kubeconfig like kubectl (home config included) and checks once, without
     * retries, that the API server answers and serves StageSets: an unreachable cluster
     * fails in a second with a clear message, not after the retry policy's ~20 s.
     */
    readonly connect: (
      flags: ClusterFlags,
      namespace: Option.Option<string>,
    ) => Effect.Effect<Connection, CliFailure, Scope.Scope>
  }
>() {}

/** `Cluster.connect` of the provided implementation. */
export const connect = (flags: ClusterFlags, namespace: Option.Option<string>) =>
  Effect.flatMap(Cluster, (cluster) => cluster.connect(flags, namespace))
