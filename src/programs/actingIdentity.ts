import { Context, Effect } from "effect"
import { ActingClient } from "../kube/ActingClient.ts"
import { SourceClient } from "../kube/SourceClient.ts"
import { StageIdentity } from "./StageIdentity.ts"
import type { StageSetView, StageView } from "./StageSetView.ts"
import { TargetCluster } from "./TargetCluster.ts"

/**
 * The ServiceAccount a stage acts as (semantics.md section 9): the stage's
 * `serviceAccountName`, else the StageSet's, else `--default-service-account`; undefined
 * for the controller's own identity.
 */
export const actingServiceAccount = (
  stageSet: Pick<StageSetView, "serviceAccountName">,
  stage: Pick<StageView, "serviceAccountName"> | undefined,
  defaultServiceAccount: string | undefined,
): string | undefined =>
  stage?.serviceAccountName ?? stageSet.serviceAccountName ?? defaultServiceAccount

/** The Kubernetes user name of a ServiceAccount, as impersonation takes it. */
export const serviceAccountUser = (namespace: string, serviceAccount: string) =>
  `system:serviceaccount:${namespace}:${serviceAccount}`

/**
 * Runs `effect` as the identity acting for `stage` of `stageSet` (or for the StageSet as a
 * whole when no stage is given), as `StageIdentity` decides it: `SourceClient` in this
 * cluster, `ActingClient` on the run's `TargetCluster` (the same client unless the
 * StageSet applies to a remote cluster).
 */
export const actingAs =
  (
    stageSet: Pick<StageSetView, "namespace" | "serviceAccountName">,
    stage?: Pick<StageView, "serviceAccountName">,
  ) =>
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, E, Exclude<R, ActingClient | SourceClient> | StageIdentity | TargetCluster> =>
    Effect.flatMap(Effect.all([StageIdentity, TargetCluster]), ([identity, target]) => {
      const here = identity.clientFor(stageSet, stage)
      const there =
        target.remote === undefined ? here : identity.remoteFor(target.client, stageSet, stage)
      return Effect.provide(
        effect,
        Context.make(SourceClient, here).pipe(Context.add(ActingClient, there)),
      )
    })
