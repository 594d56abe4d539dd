import { Effect, Ref, Schema } from "effect"
import { StageSetStatus } from "../../../schemas/StageSet.ts"
import { FINALIZER } from "../../inventory/Labels.ts"
import { KubeClient } from "../../kube/KubeClient.ts"
import type { KubeError } from "../../kube/KubeError.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { conflictRetrySchedule } from "../../kube/RetryPolicy.ts"
import { statusOf } from "./observeStageSet.ts"
import { type StageSetKey, stageSetKey } from "./StageSetKey.ts"

const sameStatus = Schema.equivalence(StageSetStatus)
const encodeStatus = Schema.encodeSync(StageSetStatus)

const retryConflicts = <A, R>(effect: Effect.Effect<A, KubeError, R>) =>
  effect.pipe(
    Effect.retry({
      schedule: conflictRetrySchedule,
      while: (error: KubeError) => error._tag === "KubeConflict",
    }),
  )

/**
 * The StageSet as this reconcile last read or wrote it. A write starts from it instead of a
 * GET: its resourceVersion makes the write optimistic, so a change by anyone else meanwhile
 * fails it with 409, and only then is the StageSet read again. A no-op reconcile so reads
 * the StageSet once.
 */
export type LatestStageSet = Ref.Ref<KubeObject | undefined>

export const latestStageSet = (known?: KubeObject): Effect.Effect<LatestStageSet> => Ref.make(known)

/** One optimistic write: `write` gets the StageSet and returns its result and the object after it. */
const writeFrom = <A>(
  key: StageSetKey,
  latest: LatestStageSet | undefined,
  write: (live: KubeObject) => Effect.Effect<readonly [A, KubeObject], KubeError, KubeClient>,
) =>
  Effect.gen(function* () {
    const ref = latest ?? (yield* latestStageSet())
    return yield* retryConflicts(
      Effect.gen(function* () {
        const kube = yield* KubeClient
        // Taken, not read: after a conflict or a failure the next attempt reads afresh.
        const known = yield* Ref.getAndSet(ref, undefined)
        const live = known ?? (yield* kube.get(stageSetKey(key)))
        const [result, after] = yield* write(live)
        yield* Ref.set(ref, after)
        return result
      }),
    )
  })

/** Rewrites the StageSet's finalizers until `change` holds (optimistic concurrency, 409 retried). */
const updateFinalizers = (
  key: StageSetKey,
  change: (finalizers: ReadonlyArray<string>) => ReadonlyArray<string>,
  latest?: LatestStageSet,
) =>
  writeFrom(key, latest, (live) =>
    Effect.gen(function* () {
      const before = live.metadata.finalizers ?? []
      const after = change(before)
      if (after.length === before.length && after.every((f, i) => f === before[i]))
        return [live, live] as const
      const kube = yield* KubeClient
      const updated = yield* kube.update({
        ...live,
        metadata: { ...live.metadata, finalizers: after },
      })
      return [updated, updated] as const
    }),
  )

/** Puts our finalizer on the StageSet before anything is applied (no write when present). */
export const ensureFinalizer = (key: StageSetKey, latest?: LatestStageSet) =>
  updateFinalizers(key, (f) => (f.includes(FINALIZER) ? f : [...f, FINALIZER]), latest)

/** Lets the StageSet go once teardown finished. */
export const removeFinalizer = (key: StageSetKey) =>
  updateFinalizers(key, (f) => f.filter((x) => x !== FINALIZER)).pipe(
    Effect.catchTag("KubeNotFound", () => Effect.void),
  )

/**
 * Writes `status` through the status subresource, encoded by its Schema, only when it
 * differs (by the Schema's equivalence) from what is stored.
 */
export const writeStatus = (key: StageSetKey, status: StageSetStatus, latest?: LatestStageSet) =>
  writeFrom(key, latest, (live) =>
    Effect.gen(function* () {
      if (sameStatus(statusOf(live), status)) return [false, live] as const
      const kube = yield* KubeClient
      return [true, yield* kube.updateStatus({ ...live, status: encodeStatus(status) })] as const
    }),
  ).pipe(Effect.catchTag("KubeNotFound", () => Effect.succeed(false)))
