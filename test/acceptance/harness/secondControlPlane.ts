import { Effect, Exit, Layer, Scope } from "effect"
import { KubeClientLive } from "../../../layers/KubeClient.live.ts"
import { KubeConfigSource } from "../../../layers/live/loadKubeConfig.ts"
import type { KubeClient } from "../../../src/kube/KubeClient.ts"
import { startControlPlane } from "../../controlplane/ControlPlane.ts"
import { installCrds } from "./installCrds.ts"

/**
 * A second local control plane (its own etcd and kube-apiserver, nothing shared with the
 * run's cluster), started on first use and stopped by `stop`. Always local, even when
 * STAGESET_TEST_KUBECONFIG names the run's cluster: the point is a cluster with nothing in it.
 */
export const secondControlPlane = () => {
  const scope = Effect.runSync(Scope.make())
  let started: Promise<Layer.Layer<KubeClient>> | undefined
  const start = () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const plane = yield* Scope.extend(
          startControlPlane({ allowExternal: false, controllers: [] }),
          scope,
        )
        const kube = KubeClientLive.pipe(
          Layer.provide(
            KubeConfigSource.layer({
              kubeconfigPath: plane.kubeconfigPath,
              userAgent: "stageset-second-cluster",
            }),
          ),
          Layer.orDie,
        )
        yield* Effect.provide(installCrds, kube)
        return kube
      }),
    )
  return {
    cluster: Effect.promise(() => {
      started ??= start()
      return started
    }),
    stop: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}
