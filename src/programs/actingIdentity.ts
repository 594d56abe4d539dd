import { Effect } from "effect"
import { ActingClient } from "../kube/ActingClient.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import type { StageSetView, StageView } from "./StageSetView.ts"

/**
 * The ServiceAccount a stage acts as (semantics.md section 9): the stage's
 * `serviceAccountName`, else the StageSet's; undefined for the controller's own identity.
 */
export const actingServiceAccount = (
  stageSet: Pick<StageSetView, "serviceAccountName">,
  stage?: Pick<StageView, "serviceAccountName">,
): string | undefined => stage?.serviceAccountName ?? stageSet.serviceAccountName

/** The Kubernetes user name of a ServiceAccount, as impersonation takes it. */
export const serviceAccountUser = (namespace: string, serviceAccount: string) =>
  `system:serviceaccount:${namespace}:${serviceAccount}`

/**
 * Runs `effect` with `ActingClient` bound to the identity of `stage` of `stageSet` (or of
 * the StageSet as a whole when no stage is given): impersonation of its ServiceAccount
 * over the controller's client, or the controller's client itself when none is named.
 */
export const actingAs =
  (
    stageSet: Pick<StageSetView, "namespace" | "serviceAccountName">,
    stage?: Pick<StageView, "serviceAccountName">,
  ) =>
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, E, Exclude<R, ActingClient> | KubeClient> =>
    Effect.flatMap(KubeClient, (kube) => {
      const account = actingServiceAccount(stageSet, stage)
      return Effect.provideService(
        effect,
        ActingClient,
        account === undefined
          ? kube
          : kube.impersonate(serviceAccountUser(stageSet.namespace, account)),
      )
    })
