import { Context, Effect, Layer } from "effect"
import { KubeClient, type KubeClientApi } from "../kube/KubeClient.ts"

/**
 * The cluster a StageSet's objects go to, for one run (api.md, "StageSets and clusters"):
 * this one, or the remote cluster of `spec.kubeConfig.secretRef`. Applies, readiness,
 * prunes, teardown deletes, label lookups and discovery use it (through `ActingClient`,
 * which `actingAs` binds from it); inventories, status, Events and source reads stay here.
 */
export interface TargetClusterApi {
  /**
   * The target's client with its base credentials: the controller's own `KubeClient` for
   * this cluster, the kubeconfig's user for a remote one. Discovery (RESTMapper) is its.
   */
  readonly client: KubeClientApi
  /** `Secret <ns>/<name>` the remote cluster's kubeconfig came from; undefined: this cluster. */
  readonly remote: string | undefined
}

export class TargetCluster extends Context.Tag("stageset/TargetCluster")<
  TargetCluster,
  TargetClusterApi
>() {
  /** This cluster, through the `KubeClient` in context: for code that never reaches another. */
  static readonly layerLocal: Layer.Layer<TargetCluster, never, KubeClient> = Layer.effect(
    TargetCluster,
    Effect.map(KubeClient, (client) => ({ client, remote: undefined })),
  )
}
