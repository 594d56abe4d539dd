import { readFile } from "node:fs/promises"
import { Effect, Exit, Layer, Scope } from "effect"
import { KubeClientLive } from "../../../layers/KubeClient.live.ts"
import { KubeConfigSource } from "../../../layers/live/loadKubeConfig.ts"
import { RemoteClustersLive } from "../../../layers/RemoteClusters.live.ts"
import type { KubeClient } from "../../../src/kube/KubeClient.ts"
import {
  defaultApiLimits,
  resilientKubeClientLayer,
} from "../../../src/kube/resilientKubeClient.ts"
import { type ControlPlane, startControlPlane } from "../../controlplane/ControlPlane.ts"
import type { RemoteWorld } from "./Env.ts"
import { installCrds } from "./installCrds.ts"
import { embeddedKubeconfig } from "./remoteKubeconfig.ts"

const base64File = (path: string) =>
  Effect.promise(() => readFile(path)).pipe(Effect.map((data) => data.toString("base64")))

/** The admin kubeconfig of `plane` with its certificates embedded, as a kubeconfig Secret holds it. */
const embeddedAdminKubeconfig = (plane: ControlPlane) =>
  Effect.gen(function* () {
    const certs = plane.certs
    if (certs === undefined)
      return yield* Effect.dieMessage("the second control plane has no certs")
    return embeddedKubeconfig(plane.server, {
      caData: yield* base64File(certs.caFile),
      certData: yield* base64File(certs.clientCertFile),
      keyData: yield* base64File(certs.clientKeyFile),
    })
  })

/**
 * A second local control plane (its own etcd and kube-apiserver, nothing shared with the
 * run's cluster), started on first use and stopped by `stop`. Always local, even when
 * STAGESET_TEST_KUBECONFIG names the run's cluster: the point is a cluster with nothing in it.
 * `remote` is the same cluster as a `spec.kubeConfig` target.
 */
export const secondControlPlane = () => {
  const scope = Effect.runSync(Scope.make())
  let started:
    | Promise<{ readonly kube: Layer.Layer<KubeClient>; readonly kubeconfig: string }>
    | undefined
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
        return { kube, kubeconfig: yield* embeddedAdminKubeconfig(plane) }
      }),
    )
  const ensure = Effect.promise(() => {
    started ??= start()
    return started
  })
  return {
    cluster: Effect.map(ensure, (s) => s.kube),
    remote: Effect.map(
      ensure,
      (s): RemoteWorld => ({
        // The test's own reads and writes there ride out a young API server's 429s, as the
        // controller's do.
        kube: resilientKubeClientLayer(defaultApiLimits).pipe(Layer.provide(s.kube)),
        kubeconfig: s.kubeconfig,
        clusters: RemoteClustersLive({
          limits: defaultApiLimits,
          userAgent: "stageset-remote-tests",
        }),
      }),
    ),
    stop: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}
