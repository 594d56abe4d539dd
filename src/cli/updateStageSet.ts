import { Effect } from "effect"
import type { KubeClientApi } from "../kube/KubeClient.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { conflictRetrySchedule } from "../kube/RetryPolicy.ts"
import { stageSetKey } from "../programs/stageSet/StageSetKey.ts"
import { type CliFailure, fromKubeError } from "./CliFailure.ts"

/**
 * Read, change, PUT with the read resourceVersion; a 409 (someone wrote in between)
 * re-reads and tries again. Not server-side apply: a partial StageSet would fail the
 * CRD's required `spec.stages`, and a full apply would take ownership of the user's fields.
 */
export const updateStageSet = (
  kube: KubeClientApi,
  namespace: string,
  name: string,
  change: (live: KubeObject) => KubeObject,
): Effect.Effect<KubeObject, CliFailure> =>
  Effect.gen(function* () {
    const live = yield* kube
      .get(stageSetKey({ namespace, name }))
      .pipe(
        Effect.mapError((error) =>
          fromKubeError(error, { verb: "get", resource: "stageset", name, namespace }),
        ),
      )
    return yield* kube
      .update(change(live))
      .pipe(
        Effect.mapError((error) =>
          fromKubeError(error, { verb: "update", resource: "stagesets", name, namespace }),
        ),
      )
  }).pipe(
    // A conflict surfaced above re-runs the whole read-modify-write.
    Effect.retry({
      schedule: conflictRetrySchedule,
      while: (error) => error.message.startsWith("conflict"),
    }),
  )
