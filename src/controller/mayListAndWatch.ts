import { Effect } from "effect"
import { KubeClient } from "../kube/KubeClient.ts"

/**
 * Whether the controller may list and watch `kind` in every scope it watches (each of
 * `namespaces`, or the whole cluster when empty), asked as `kubectl auth can-i` does:
 * with a SelfSubjectAccessReview. Only a plain "no" counts: when the question cannot be
 * asked (an API server without the review, a transient error) the answer is yes, and
 * the informer reports whatever goes wrong as it always has.
 *
 * The multi-tenancy chart profile grants no verb on Secrets, so that the controller's
 * own identity never holds Secret content: its Secret informer is left out, rather than
 * failing and retrying for ever.
 */
export const mayListAndWatch = (
  kind: { readonly apiVersion: string; readonly kind: string },
  namespaces: ReadonlyArray<string>,
): Effect.Effect<boolean, never, KubeClient> =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const info = yield* Effect.option(kube.discover(kind.apiVersion, kind.kind))
    if (info._tag === "None") return true
    const scopes = namespaces.length === 0 ? [undefined] : namespaces
    for (const namespace of scopes)
      for (const verb of ["list", "watch"]) {
        const review = yield* Effect.option(
          kube.create({
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectAccessReview",
            metadata: { name: "" },
            spec: {
              resourceAttributes: {
                verb,
                group: info.value.group,
                resource: info.value.plural,
                ...(namespace === undefined ? {} : { namespace }),
              },
            },
          }),
        )
        const status = review._tag === "Some" ? review.value.status : undefined
        if ((status as { allowed?: unknown } | undefined)?.allowed === false) return false
      }
    return true
  })

/** Says once, at start, which source kind goes unwatched and what that costs. */
export const logSourceKindNotWatched = (kind: {
  readonly apiVersion: string
  readonly kind: string
}) =>
  Effect.logInfo(
    "source kind not watched: the controller may not list and watch it; StageSets reading it see changes on their interval",
  ).pipe(Effect.annotateLogs({ kind: kind.kind, apiVersion: kind.apiVersion }))
