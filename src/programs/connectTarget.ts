import { Effect, Either, Predicate, type Scope } from "effect"
import type { KubeConfigReference } from "../../schemas/StageSet.ts"
import { checkKubeConfig } from "../kube/checkKubeConfig.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import { type KubeError, KubeForbidden } from "../kube/KubeError.ts"
import { RemoteClusters } from "../kube/RemoteClusters.ts"
import { InvalidSpec } from "./errors/InvalidSpec.ts"
import { KubeConfigRefused, KubeConfigUnavailable } from "./errors/kubeConfigErrors.ts"
import { StageIdentity } from "./StageIdentity.ts"
import type { StageSetView } from "./StageSetView.ts"
import type { TargetClusterApi } from "./TargetCluster.ts"

/** The key of the Secret that holds the kubeconfig when `secretRef.key` is not set (as Flux's). */
export const DEFAULT_KUBECONFIG_KEY = "value"

export type ConnectError = KubeConfigUnavailable | KubeConfigRefused | InvalidSpec | KubeError

const decodeBase64 = (value: unknown): string | undefined =>
  typeof value === "string" && value !== ""
    ? Buffer.from(value, "base64").toString("utf8")
    : undefined

/**
 * The cluster a run of `stageSet` applies to (api.md, "StageSets and clusters"): this
 * one, or the remote cluster whose kubeconfig the `spec.kubeConfig.secretRef` Secret holds.
 * The Secret is read in the StageSet's namespace as the StageSet's identity (semantics.md
 * section 9, like a source: a StageSet uses only a kubeconfig its ServiceAccount may read).
 * The kubeconfig is checked before it is loaded (`checkKubeConfig`), and the cluster must
 * answer discovery before anything else happens. The client stays usable for the scope.
 */
export const connectTarget = (
  stageSet: Pick<StageSetView, "namespace" | "serviceAccountName"> & {
    readonly kubeConfig?: KubeConfigReference | undefined
  },
): Effect.Effect<
  TargetClusterApi,
  ConnectError,
  KubeClient | StageIdentity | RemoteClusters | Scope.Scope
> =>
  Effect.gen(function* () {
    const kubeConfig = stageSet.kubeConfig
    if (kubeConfig === undefined)
      return { client: yield* KubeClient, remote: undefined } satisfies TargetClusterApi
    const ref = kubeConfig.secretRef
    if (ref === undefined)
      return yield* new InvalidSpec({
        message: "spec.kubeConfig: set secretRef (the Secret holding the remote kubeconfig)",
      })
    const secret = `${stageSet.namespace}/${ref.name}`
    const key = ref.key ?? DEFAULT_KUBECONFIG_KEY
    const where = `spec.kubeConfig.secretRef: Secret ${secret}`
    const identity = yield* StageIdentity
    const object = yield* identity
      .clientFor(stageSet)
      .get({ apiVersion: "v1", kind: "Secret", namespace: stageSet.namespace, name: ref.name })
      .pipe(
        Effect.catchTags({
          KubeNotFound: () =>
            new KubeConfigUnavailable({ secret, missing: "Secret", message: `${where} not found` }),
          KubeForbidden: (error) =>
            new KubeForbidden({
              message: `${where}: ${error.message}`,
              request: error.request,
              status: error.status,
            }),
        }),
      )
    const data = Predicate.isRecord(object.data) ? object.data : {}
    const text = decodeBase64(data[key])
    if (text === undefined)
      return yield* new KubeConfigUnavailable({
        secret,
        missing: "Secret",
        message: `${where} has no key "${key}" with a kubeconfig`,
      })
    const problem = checkKubeConfig(text)
    if (Either.isLeft(problem))
      return yield* new KubeConfigRefused({
        secret,
        message: `${where}, key "${key}": the kubeconfig ${problem.left}`,
      })
    const remote = yield* Effect.flatMap(RemoteClusters, (clusters) =>
      clusters.connect(text, {
        uid: object.metadata.uid ?? secret,
        resourceVersion: object.metadata.resourceVersion ?? "",
      }),
    ).pipe(
      Effect.mapError(
        (error) =>
          new KubeConfigRefused({
            secret,
            message: `${where}, key "${key}": the kubeconfig cannot be used: ${error.message}`,
          }),
      ),
    )
    // Discovery is what every later step needs first; failing here applies and prunes nothing.
    yield* remote.resources().pipe(
      Effect.mapError(
        (error) =>
          new KubeConfigUnavailable({
            secret,
            missing: "cluster",
            message: `the cluster of ${where} cannot be used as the kubeconfig's user: ${error.message}`,
          }),
      ),
    )
    return { client: remote, remote: `Secret ${secret}` } satisfies TargetClusterApi
  })
