import { Effect } from "effect"
import type { KubeError } from "../../src/kube/KubeError.ts"

const kubeErrorTags = new Set([
  "KubeNotFound",
  "KubeConflict",
  "KubeGone",
  "KubeTooManyRequests",
  "KubeInvalid",
  "KubeForbidden",
  "KubeTransport",
])

const isKubeError = (error: unknown): error is KubeError =>
  typeof error === "object" &&
  error !== null &&
  kubeErrorTags.has((error as { readonly _tag?: unknown })._tag as string)

/**
 * Runs one synchronous server operation atomically: a KubeError it throws (see `refuse`) becomes
 * the typed failure, anything else stays a defect.
 */
export const runOp = <A>(operation: () => A): Effect.Effect<A, KubeError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(operation())
    } catch (error) {
      if (isKubeError(error)) return Effect.fail(error)
      throw error
    }
  })
