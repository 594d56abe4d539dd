import { Context, Effect, Layer } from "effect"
import { ActingClient } from "../src/kube/ActingClient.ts"
import { KubeClient } from "../src/kube/KubeClient.ts"
import { SourceClient } from "../src/kube/SourceClient.ts"
import { actingServiceAccount, serviceAccountUser } from "../src/programs/actingIdentity.ts"
import { ReconcileConfig } from "../src/programs/ReconcileConfig.ts"
import { StageIdentity } from "../src/programs/StageIdentity.ts"

/**
 * The controller's rule (semantics.md section 9): impersonate the stage's ServiceAccount,
 * else the StageSet's, else `--default-service-account`; the controller's own client only
 * when none of them is set.
 *
 * On a remote cluster (`spec.kubeConfig`), as Flux's kustomize-controller does: the
 * kubeconfig's user, impersonating the stage's or the StageSet's ServiceAccount (in the
 * StageSet's namespace, there) when one is named. `--default-service-account` does not
 * apply there: it keeps a StageSet from borrowing the controller's identity, and on a
 * remote cluster the identity is the tenant's own kubeconfig, never the controller's.
 */
export const StageIdentityImpersonating = Layer.effect(
  StageIdentity,
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const config = yield* ReconcileConfig
    return StageIdentity.of({
      clientFor: (stageSet, stage) => {
        const account = actingServiceAccount(stageSet, stage, config.defaultServiceAccount)
        return account === undefined
          ? kube
          : kube.impersonate(serviceAccountUser(stageSet.namespace, account))
      },
      remoteFor: (remote, stageSet, stage) => {
        const account = actingServiceAccount(stageSet, stage, undefined)
        return account === undefined
          ? remote
          : remote.impersonate(serviceAccountUser(stageSet.namespace, account))
      },
    })
  }),
)

/** stagesetctl's: whoever runs it, with their kubeconfig's rights, for every StageSet. */
export const StageIdentityOwn = Layer.effect(
  StageIdentity,
  Effect.map(KubeClient, (kube) =>
    StageIdentity.of({ clientFor: () => kube, remoteFor: (remote) => remote }),
  ),
)

/**
 * `ActingClient` and `SourceClient` as the `KubeClient` itself, for code run outside a
 * StageSet's run (tools, tests).
 */
export const ActingClientOwn = Layer.effectContext(
  Effect.map(KubeClient, (kube) =>
    Context.make(ActingClient, kube).pipe(Context.add(SourceClient, kube)),
  ),
)
