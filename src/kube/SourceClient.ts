import { Context } from "effect"
import type { KubeClientApi } from "./KubeClient.ts"

/**
 * The client of the identity acting for a StageSet, in this cluster, for reading what a
 * stage is built from: its source (ConfigMap, Secret, Flux objects, ExternalArtifacts),
 * `postBuild.substituteFrom` and the `spec.kubeConfig` Secret. It differs from
 * `ActingClient` only when the StageSet applies to a remote cluster (`spec.kubeConfig`):
 * sources stay here while the objects go there (api.md, "StageSets and clusters").
 *
 * Like `ActingClient`, never provided by a composition root: `actingAs` binds it per stage.
 */
export class SourceClient extends Context.Tag("stageset/SourceClient")<
  SourceClient,
  KubeClientApi
>() {}
