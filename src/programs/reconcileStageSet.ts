import { DateTime, Duration, Effect } from "effect"
import { decodeStageSet } from "../../schemas/StageSet.ts"
import { FINALIZER, RECONCILE_REQUESTED_AT } from "../inventory/Labels.ts"
import { checkShardNames, MAX_LABEL_VALUE_LENGTH } from "../inventory/ShardName.ts"
import type { StageRecord } from "../inventory/StageRecord.ts"
import { InventoryStore } from "../inventory-store/InventoryStore.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { AppliedCache } from "./AppliedCache.ts"
import { InvalidSpec } from "./errors/InvalidSpec.ts"
import { type Failure, failureOf } from "./failureReason.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import { renderStageSet } from "./renderStageSet.ts"
import { type RunEvent, runStageSet, type StageProgress } from "./runStageSet.ts"
import type { StageSetView } from "./StageSetView.ts"
import {
  ensureFinalizer,
  latestStageSet,
  removeFinalizer,
  type StageSetKey,
  stageSetKey,
  toView,
  writeStatus,
} from "./stageSetObject.ts"
import { buildStatus, type ConditionValue, type StatusInput } from "./stageSetStatus.ts"
import { teardown } from "./teardown.ts"

/** What a reconcile ended with; the controller turns it into a requeue. */
export type ReconcileOutcome =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "Failed"; readonly failure: Failure }
  | { readonly _tag: "Suspended" }
  | { readonly _tag: "Deleted" }
  | { readonly _tag: "NotFound" }

export interface ReconcileReport {
  readonly outcome: ReconcileOutcome
  readonly events: ReadonlyArray<RunEvent>
  readonly applied: number
  readonly pruned: number
  /** Each current stage after the run (absent when the run did not walk the stages). */
  readonly stages?: ReadonlyArray<StageProgress>
}

const previousStatus = (object: KubeObject) => {
  const status = object.status as
    | { conditions?: ReadonlyArray<ConditionValue>; stages?: ReadonlyArray<StageProgress> }
    | undefined
  return { conditions: status?.conditions ?? [], stages: status?.stages ?? [] }
}

/** Names the controller derives must fit: label values (63) and shard names (253). */
const checkNames = (view: StageSetView): InvalidSpec | undefined => {
  if (view.name.length > MAX_LABEL_VALUE_LENGTH)
    return new InvalidSpec({
      message: `metadata.name: a StageSet name is used as a label value and must be at most ${MAX_LABEL_VALUE_LENGTH} characters`,
    })
  for (const [i, stage] of view.stages.entries()) {
    const problem = checkShardNames(view.name, stage.name)
    if (problem !== undefined)
      return new InvalidSpec({ message: `spec.stages[${i}].name: ${problem}` })
  }
  return undefined
}

const nowIso = DateTime.now.pipe(Effect.map(DateTime.formatIso))

/**
 * One reconcile of a StageSet, level-based (semantics.md section 1): read it, tear it
 * down if it is being deleted, otherwise make sure of the finalizer, honour suspend,
 * render every stage before any write, refuse inventory-name collisions, walk the stages,
 * prune, and write status only when it changed.
 */
export const reconcileStageSet = Effect.fn("reconcileStageSet")(function* (key: StageSetKey) {
  const kube = yield* KubeClient
  const store = yield* InventoryStore
  const config = yield* ReconcileConfig
  const applied = yield* AppliedCache
  const live = yield* kube
    .get(stageSetKey(key))
    .pipe(Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)))
  const empty = { events: [], applied: 0, pruned: 0 }
  if (live === undefined) {
    yield* applied.forgetStageSet(key.namespace, key.name)
    return { outcome: { _tag: "NotFound" }, ...empty } satisfies ReconcileReport
  }
  const previous = previousStatus(live)
  // Writes to the StageSet start from what this reconcile last saw of it (no GET before each).
  const latest = yield* latestStageSet(live)
  const generation = live.metadata.generation
  const requestedAt = live.metadata.annotations?.[RECONCILE_REQUESTED_AT]
  const statusOf = (input: Omit<StatusInput, "generation" | "lastHandledReconcileAt">) =>
    Effect.map(nowIso, (now) =>
      buildStatus(
        {
          ...input,
          generation,
          lastHandledReconcileAt:
            requestedAt ??
            (live.status as { lastHandledReconcileAt?: string } | undefined)
              ?.lastHandledReconcileAt,
        },
        previous.conditions,
        now,
      ),
    )

  if (live.metadata.deletionTimestamp !== undefined) {
    // Teardown deletes the members; nothing of the fast path's memory stays true.
    yield* applied.forgetStageSet(key.namespace, key.name)
    if (!(live.metadata.finalizers ?? []).includes(FINALIZER))
      return { outcome: { _tag: "Deleted" }, ...empty } satisfies ReconcileReport
    const events = yield* teardown({
      namespace: key.namespace,
      name: key.name,
      stageTimeout: () => config.deleteTimeout,
      concurrency: config.applyConcurrency,
    }).pipe(
      Effect.tapError((error) =>
        Effect.flatMap(
          statusOf({
            outcome: {
              _tag: "Failed",
              failure:
                error._tag === "TeardownFailed"
                  ? { ...failureOf(error), message: `stage ${error.stage}: ${error.message}` }
                  : failureOf(error),
            },
            stages: previous.stages,
            inventoryMode: undefined,
          }),
          (status) => writeStatus(key, status, latest).pipe(Effect.ignore),
        ),
      ),
    )
    yield* removeFinalizer(key)
    return { outcome: { _tag: "Deleted" }, events, applied: 0, pruned: 0 } satisfies ReconcileReport
  }

  const fail = (failure: Failure, stages: ReadonlyArray<StageProgress>) =>
    Effect.gen(function* () {
      yield* writeStatus(
        key,
        yield* statusOf({ outcome: { _tag: "Failed", failure }, stages, inventoryMode: undefined }),
        latest,
      )
      return {
        outcome: { _tag: "Failed", failure },
        events: [{ type: "Warning", reason: failure.reason, message: failure.message }],
        applied: 0,
        pruned: 0,
      } satisfies ReconcileReport
    })

  const decoded = yield* Effect.either(decodeStageSet(live))
  if (decoded._tag === "Left") return yield* fail(failureOf(decoded.left), previous.stages)
  const view = toView(live, decoded.right)

  yield* ensureFinalizer(key, latest)
  if (view.suspend === true) {
    yield* writeStatus(
      key,
      yield* statusOf({
        outcome: { _tag: "Suspended" },
        stages: previous.stages,
        inventoryMode: undefined,
      }),
      latest,
    )
    return { outcome: { _tag: "Suspended" }, ...empty } satisfies ReconcileReport
  }
  const badName = checkNames(view)
  if (badName !== undefined) return yield* fail(failureOf(badName), previous.stages)

  const prepared = yield* Effect.either(
    Effect.gen(function* () {
      const rendered = yield* renderStageSet(view)
      // One LIST for every stored stage; readStage (with its shard-name collision check)
      // only for a stage whose shard 0 is not ours yet.
      const stored = yield* store.listStageSet(view.namespace, view.name)
      const records = new Map<string, StageRecord>()
      for (const r of rendered) {
        const found = stored.find((s) => s.stage === r.stage.name)
        records.set(
          r.stage.name,
          found?.shards.some((s) => s.index === 0)
            ? found
            : yield* store.readStage({
                namespace: view.namespace,
                stageSet: view.name,
                stage: r.stage.name,
              }),
        )
      }
      const names = new Set(rendered.map((r) => r.stage.name))
      return { rendered, records, removed: stored.filter((s) => !names.has(s.stage)) }
    }),
  )
  if (prepared._tag === "Left") return yield* fail(failureOf(prepared.left), previous.stages)
  const { rendered, records, removed } = prepared.right

  // In steady state (same generation and revisions, Ready) the walk's phase changes are not
  // written: a no-op reconcile must write nothing at all.
  const steady =
    previous.conditions.some(
      (c) => c.type === "Ready" && c.status === "True" && c.observedGeneration === generation,
    ) &&
    view.reconcileStage === undefined &&
    rendered.every((r) =>
      previous.stages.some((s) => s.name === r.stage.name && s.revision === r.revision),
    )
  const report = (stages: ReadonlyArray<StageProgress>) =>
    steady
      ? Effect.void
      : Effect.flatMap(
          statusOf({ outcome: { _tag: "Running" }, stages, inventoryMode: undefined }),
          (status) => writeStatus(key, status, latest),
        ).pipe(Effect.ignore, Effect.provideService(KubeClient, kube))

  const run = yield* runStageSet(view, rendered, records, removed, report)
  const outcome: ReconcileOutcome =
    run.failure === undefined ? { _tag: "Ready" } : { _tag: "Failed", failure: run.failure }
  const status = yield* statusOf({
    outcome:
      run.failure === undefined
        ? { _tag: "Ready", message: `${rendered.length} stages applied` }
        : { _tag: "Failed", failure: run.failure },
    stages: run.stages,
    inventoryMode: run.inventoryMode,
  })
  yield* writeStatus(key, status, latest)
  const events: Array<RunEvent> = [...run.events]
  for (const r of rendered) {
    const before = previous.stages.find((s) => s.name === r.stage.name)
    if (before?.revision !== r.revision && run.failure === undefined)
      events.push({
        type: "Normal",
        reason: "StageApplied",
        message: `stage ${r.stage.name}: applied ${r.members.length} objects at ${r.revision}`,
      })
  }
  return {
    outcome,
    events,
    applied: run.applied,
    pruned: run.pruned,
    stages: run.stages,
  } satisfies ReconcileReport
})

export const defaultRequeue = Duration.minutes(10)
