import { Effect, Layer } from "effect"
import { ActingClient } from "../src/kube/ActingClient.ts"
import { KubeClient } from "../src/kube/KubeClient.ts"
import { actingServiceAccount, serviceAccountUser } from "../src/programs/actingIdentity.ts"
import { ReconcileConfig } from "../src/programs/ReconcileConfig.ts"
import { StageIdentity } from "../src/programs/StageIdentity.ts"

/**
 * The controller's rule (semantics.md section 9): impersonate the stage's ServiceAccount,
 * else the StageSet's, else `--default-service-account`; the controller's own client only
 * when none of them is set.
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
    })
  }),
)

/** stagesetctl's: whoever runs it, with their kubeconfig's rights, for every StageSet. */
export const StageIdentityOwn = Layer.effect(
  StageIdentity,
  Effect.map(KubeClient, (kube) => StageIdentity.of({ clientFor: () => kube })),
)

/** `ActingClient` as the `KubeClient` itself, for code run outside a StageSet's run (tools, tests). */
export const ActingClientOwn = Layer.effect(ActingClient, KubeClient)
