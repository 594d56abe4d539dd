import { Context } from "effect"
import type { KubeClientApi } from "../kube/KubeClient.ts"
import type { StageSetView, StageView } from "./StageSetView.ts"

/**
 * Whose rights a StageSet's work uses (semantics.md section 9), as a service: the
 * controller impersonates the stage's ServiceAccount (layers/StageIdentity.ts), while
 * stagesetctl acts as whoever runs it. `actingAs` binds `ActingClient` from it.
 */
export class StageIdentity extends Context.Tag("stageset/StageIdentity")<
  StageIdentity,
  {
    /** The client acting for `stage` of `stageSet` (for the StageSet as a whole without one). */
    readonly clientFor: (
      stageSet: Pick<StageSetView, "namespace" | "serviceAccountName">,
      stage?: Pick<StageView, "serviceAccountName">,
    ) => KubeClientApi
    /**
     * The client acting for `stage` of `stageSet` on a remote cluster (`spec.kubeConfig`),
     * from `remote`, the client of the kubeconfig's own user.
     */
    readonly remoteFor: (
      remote: KubeClientApi,
      stageSet: Pick<StageSetView, "namespace" | "serviceAccountName">,
      stage?: Pick<StageView, "serviceAccountName">,
    ) => KubeClientApi
  }
>() {}
