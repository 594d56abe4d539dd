import { Effect } from "effect"
import { ActingClient } from "../../kube/ActingClient.ts"
import type { KubeError } from "../../kube/KubeError.ts"
import { formatApiVersion, type ObjectKey } from "../../kube/KubeObject.ts"
import { VerifyFailed } from "../errors/verifyErrors.ts"

/** One `readyChecks.checks[]` entry, as the Schema decodes it. */
export interface ReadyCheckRef {
  readonly apiVersion?: string | undefined
  readonly kind: string
  readonly name: string
  readonly namespace?: string | undefined
}

/**
 * The object key of each extra ready check, as the Go implementation reads the same field:
 * without `apiVersion`, the served version of the kind (the group's preferred one); a
 * namespaced kind without `namespace` is looked up in the StageSet's namespace; a
 * cluster-scoped one ignores any namespace. A kind the API server does not serve (yet) is
 * waited for as written, as a missing object is. A kind without `apiVersion` that no group
 * (or several) serves fails the stage, saying what to set.
 */
export const readyCheckKeys = (
  namespace: string,
  checks: ReadonlyArray<ReadyCheckRef>,
): Effect.Effect<ReadonlyArray<ObjectKey>, VerifyFailed | KubeError, ActingClient> =>
  Effect.gen(function* () {
    if (checks.length === 0) return []
    const kube = yield* ActingClient
    const keys: Array<ObjectKey> = []
    for (const [i, check] of checks.entries()) {
      const unresolved = { apiVersion: check.apiVersion ?? "", kind: check.kind, name: check.name }
      let apiVersion = check.apiVersion
      if (apiVersion === undefined) {
        // One entry a group: its preferred version, listed first.
        const served = (yield* kube.resources())
          .filter((r) => r.kind === check.kind)
          .filter((r, j, all) => all.findIndex((o) => o.group === r.group) === j)
        const [only, ...more] = served
        if (only === undefined || more.length > 0)
          return yield* new VerifyFailed({
            key: unresolved,
            message: `readyChecks.checks[${i}]: ${
              only === undefined
                ? `no served API has kind ${check.kind}`
                : `kind ${check.kind} is served by ${served.map((r) => r.group || "core").join(", ")}`
            }; set its apiVersion`,
          })
        apiVersion = formatApiVersion(only.group, only.version)
      }
      const scope = yield* kube.discover(apiVersion, check.kind).pipe(
        Effect.map((info): boolean | undefined => info.namespaced),
        Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
      )
      const inNamespace =
        scope === false ? undefined : (check.namespace ?? (scope === true ? namespace : undefined))
      keys.push({
        apiVersion,
        kind: check.kind,
        name: check.name,
        ...(inNamespace === undefined ? {} : { namespace: inNamespace }),
      })
    }
    return keys
  })
