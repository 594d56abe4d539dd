import { Effect } from "effect"
import { FIELD_MANAGER } from "../../inventory/Labels.ts"
import { type PruneVerdict, pruneVerdict } from "../../inventory/PrunePlan.ts"
import { ActingClient } from "../../kube/ActingClient.ts"
import type { KubeError } from "../../kube/KubeError.ts"
import type { ObjectKey } from "../../kube/KubeObject.ts"

/** What became of one object prune or teardown wanted gone. */
export type DeleteOutcome =
  | { readonly _tag: "Deleted"; readonly key: ObjectKey }
  /** Left alone: opted out, no longer ours, already gone, or recreated by someone else. */
  | { readonly _tag: "Skipped"; readonly why: Exclude<PruneVerdict, "Delete"> | "Recreated" }
  | { readonly _tag: "Failed"; readonly error: KubeError }

/**
 * The one delete of prune and teardown (semantics.md sections 2.3 and 5), as the acting
 * identity: read the object fresh, so an opt-out or a takeover by another tool is seen;
 * delete it only when it is still ours, with a uid precondition so an object recreated
 * meanwhile by someone else survives, and Background propagation. A 404 (gone, or its
 * kind no longer served) counts as done.
 */
export const deleteIfOurs = (key: ObjectKey): Effect.Effect<DeleteOutcome, never, ActingClient> =>
  Effect.flatMap(ActingClient, (kube) =>
    kube.get(key).pipe(
      Effect.flatMap((live): Effect.Effect<DeleteOutcome, KubeError> => {
        const verdict = pruneVerdict(live, FIELD_MANAGER)
        if (verdict !== "Delete") return Effect.succeed({ _tag: "Skipped", why: verdict })
        return kube
          .delete(key, {
            propagationPolicy: "Background",
            ...(live.metadata.uid === undefined ? {} : { uid: live.metadata.uid }),
          })
          .pipe(Effect.as<DeleteOutcome>({ _tag: "Deleted", key }))
      }),
      Effect.catchTag("KubeNotFound", () =>
        Effect.succeed<DeleteOutcome>({ _tag: "Skipped", why: "Gone" }),
      ),
      // A uid precondition failure means the object was recreated by someone else.
      Effect.catchTag("KubeConflict", () =>
        Effect.succeed<DeleteOutcome>({ _tag: "Skipped", why: "Recreated" }),
      ),
      Effect.catchAll((error) => Effect.succeed<DeleteOutcome>({ _tag: "Failed", error })),
    ),
  )
