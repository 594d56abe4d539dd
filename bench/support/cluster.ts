import { join } from "node:path"
import { CoreV1Api, VersionApi } from "@kubernetes/client-node"
import { Effect, Layer, type Scope } from "effect"
import { makeKubeClientLive } from "../../layers/KubeClient.live.ts"
import { loadKubeConfig } from "../../layers/live/loadKubeConfig.ts"
import { KubeClient, type KubeClientApi } from "../../src/kube/KubeClient.ts"
import { installCrds } from "../../test/acceptance/harness/installCrds.ts"
import { ensureBinaries, startControlPlane } from "../../test/controlplane/ControlPlane.ts"

/** The cluster every subject of one run talks to. */
export interface BenchCluster {
  readonly kubeconfigPath: string
  /** True when `--kubeconfig` named it; false when this run started the local control plane. */
  readonly external: boolean
  /** The kubectl built with the local control plane (hack/build-controlplane.sh). */
  readonly kubectl: string
  readonly serverVersion: string
  /** Deletes every ConfigMap of a namespace in one request (clean-up between measurements). */
  readonly deleteConfigMaps: (namespace: string) => Effect.Effect<void>
  /**
   * The local control plane's components (etcd, kube-apiserver, kube-controller-manager) by
   * their own pids, as its supervisor reported them; empty for `--kubeconfig`. A function:
   * a restarted component has a new pid.
   */
  readonly components: () => ReadonlyArray<{ readonly name: string; readonly pid: number }>
}

/**
 * A raw Live KubeClient (no token bucket, no retries) over the cluster: what the bare loop
 * uses, and what the controller's composition wraps. Its connection pool lives in the scope.
 */
export const rawKubeClient = (
  kubeconfigPath: string,
  userAgent: string,
  maxSockets = 100,
): Effect.Effect<KubeClientApi, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { kubeconfig } = yield* loadKubeConfig({
      kubeconfigPath,
      inCluster: false,
      homeConfig: false,
    })
    return yield* makeKubeClientLive({ kubeconfig, userAgent, maxSockets })
  }).pipe(Effect.orDie)

const serverVersion = (kubeconfigPath: string) =>
  Effect.gen(function* () {
    const { kubeconfig } = yield* loadKubeConfig({ kubeconfigPath, homeConfig: false })
    const info = yield* Effect.tryPromise(() => kubeconfig.makeApiClient(VersionApi).getCode())
    return info.gitVersion
  }).pipe(Effect.orElseSucceed(() => "unknown"))

/**
 * `--kubeconfig` or a fresh local control plane (etcd + kube-apiserver + controller manager
 * on loopback, test/controlplane/), with the CRDs installed and established.
 */
export const acquireCluster = (
  kubeconfig: string | undefined,
): Effect.Effect<BenchCluster, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const binDir = yield* ensureBinaries()
    const plane =
      kubeconfig === undefined ? yield* startControlPlane({ allowExternal: false }) : undefined
    const kubeconfigPath = kubeconfig ?? plane!.kubeconfigPath
    const client = yield* rawKubeClient(kubeconfigPath, "stageset-bench-setup")
    yield* Effect.provide(installCrds, Layer.succeed(KubeClient, client))
    const { kubeconfig: kc } = yield* loadKubeConfig({ kubeconfigPath, homeConfig: false })
    const core = kc.makeApiClient(CoreV1Api)
    return {
      kubeconfigPath,
      external: kubeconfig !== undefined,
      kubectl: join(binDir, "kubectl"),
      serverVersion: yield* serverVersion(kubeconfigPath),
      deleteConfigMaps: (namespace) =>
        Effect.tryPromise(() => core.deleteCollectionNamespacedConfigMap({ namespace })).pipe(
          Effect.ignore,
        ),
      components: () => (plane?.processes() ?? []).map(({ name, pid }) => ({ name, pid })),
    }
  })
