import { Data } from "effect"

/**
 * The remote cluster of `spec.kubeConfig.secretRef` cannot be used right now: the Secret or
 * its key is missing, or the cluster does not answer. Nothing is applied or pruned; retried.
 */
export class KubeConfigUnavailable extends Data.TaggedError("KubeConfigUnavailable")<{
  /** `<namespace>/<name>` of the Secret. */
  readonly secret: string
  /** What is missing: the Secret (or its key), or an answer from the cluster. */
  readonly missing: "Secret" | "cluster"
  /** Names the Secret; never quotes the kubeconfig. */
  readonly message: string
}> {}

/**
 * The kubeconfig in the `spec.kubeConfig.secretRef` Secret is one the controller will not
 * use (a plugin, a file, no current context). Nothing is applied or pruned until it changes.
 */
export class KubeConfigRefused extends Data.TaggedError("KubeConfigRefused")<{
  readonly secret: string
  /** Names the Secret and the kubeconfig field; never quotes the kubeconfig. */
  readonly message: string
}> {}
