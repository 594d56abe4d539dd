import { Effect } from "effect"
import { FIELD_MANAGER } from "../../inventory/Labels.ts"
import { ActingClient } from "../../kube/ActingClient.ts"
import type { KubeError } from "../../kube/KubeError.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { holdsData, type ResolvedAction } from "../conflictPolicy.ts"
import { describeObject, keyOfObject } from "../describe.ts"
import { ApplyConflict } from "../errors/ApplyConflict.ts"
import type { DeleteTimeout } from "../errors/DeleteTimeout.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import { waitGone } from "./waitGone.ts"

/** API server messages that mean "this change needs a new object", never plain validation errors. */
const IMMUTABLE =
  /immutable|may not change once set|cannot be changed|field is not allowed to be changed/i

export const isImmutableError = (error: KubeError): boolean =>
  error._tag === "KubeInvalid" && IMMUTABLE.test(error.message)

export interface AppliedObject {
  readonly live: KubeObject
  /** False when KeepExisting left an existing object untouched. */
  readonly applied: boolean
}

/**
 * Applies one object, as the acting identity. Every apply takes ownership of the fields it
 * sets (server-side apply with force, semantics.md 2.2), so out-of-band edits of those
 * fields (`kubectl scale`, `kubectl label`) are healed. The conflict action decides what
 * happens when the API server still refuses the apply (api.md):
 * - Fail: an immutable-field error (or any 409) stops the stage with the API server's message.
 * - Recreate: when the change needs a new object, delete the live one, wait until it is
 *   gone and apply again (a PVC/PV only with allowDataLoss).
 * - KeepExisting: create when missing, otherwise never patch.
 */
export const applyObject = Effect.fn("applyObject")(function* (
  object: KubeObject,
  action: ResolvedAction,
) {
  const kube = yield* ActingClient
  const config = yield* ReconcileConfig
  const name = describeObject(object)
  const conflict = (error: KubeError) =>
    new ApplyConflict({ object: name, message: `${name}: ${error.message}` })

  if (action.action === "KeepExisting") {
    const existing = yield* kube.get(keyOfObject(object)).pipe(
      Effect.map((live): KubeObject | undefined => live),
      Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
    )
    if (existing !== undefined) return { live: existing, applied: false } satisfies AppliedObject
    const live = yield* kube.apply(object, { fieldManager: FIELD_MANAGER, force: false })
    return { live, applied: true } satisfies AppliedObject
  }

  const forced = kube.apply(object, { fieldManager: FIELD_MANAGER, force: true })
  if (action.action === "Fail") {
    const live = yield* forced.pipe(
      Effect.catchIf(
        (error): error is KubeError => error._tag === "KubeConflict" || isImmutableError(error),
        (error) => Effect.fail(conflict(error)),
      ),
    )
    return { live, applied: true } satisfies AppliedObject
  }

  const live = yield* forced.pipe(
    Effect.catchIf(isImmutableError, (error) =>
      Effect.gen(function* () {
        if (holdsData(object) && !action.allowDataLoss)
          return yield* new ApplyConflict({
            object: name,
            message: `refusing to recreate ${name}: deleting it destroys its data; set allowDataLoss: true on the conflictPolicy rule to allow it (${error.message})`,
          })
        yield* Effect.logInfo("recreating object after an immutable-field change").pipe(
          Effect.annotateLogs({ object: name }),
        )
        yield* kube
          .delete(keyOfObject(object), { propagationPolicy: "Background" })
          .pipe(Effect.catchTag("KubeNotFound", () => Effect.void))
        yield* waitGone([keyOfObject(object)], config.deleteTimeout)
        return yield* forced
      }),
    ),
  )
  return { live, applied: true } satisfies AppliedObject
}) satisfies (
  object: KubeObject,
  action: ResolvedAction,
) => Effect.Effect<
  AppliedObject,
  ApplyConflict | DeleteTimeout | KubeError,
  ActingClient | ReconcileConfig
>
