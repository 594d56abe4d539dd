import { Effect } from "effect"
import { ActingClient } from "../kube/ActingClient.ts"
import { StageIdentity } from "./StageIdentity.ts"
import type { StageSetView, StageView } from "./StageSetView.ts"

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
 * Runs `effect` with `ActingClient` bound to the identity acting for `stage` of `stageSet`
 * (or for the StageSet as a whole when no stage is given), as `StageIdentity` decides it.
 */
export const actingAs =
  (
    stageSet: Pick<StageSetView, "namespace" | "serviceAccountName">,
    stage?: Pick<StageView, "serviceAccountName">,
  ) =>
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, E, Exclude<R, ActingClient> | StageIdentity> =>
    Effect.flatMap(StageIdentity, (identity) =>
      Effect.provideService(effect, ActingClient, identity.clientFor(stageSet, stage)),
    )
