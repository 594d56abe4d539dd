import { Cause, Duration, Effect, Exit, Metric, Option, Ref, Stream } from "effect"
import {
  API_VERSION,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
  STAGE_SET_KIND,
} from "../inventory/Labels.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { dependencyKeysOf } from "../programs/dependsOn/dependencyKeys.ts"
import { type ReconcileReport, reconcileStageSet } from "../programs/reconcileStageSet.ts"
import { fluxSourceKinds } from "../programs/resolveSource.ts"
import { ControllerConfig } from "./ControllerConfig.ts"
import { crashEvent } from "./crashEvent.ts"
import { readinessChanged } from "./dependencyWake.ts"
import { EventRecorder } from "./EventRecorder.ts"
import { enqueueAcquiredShards } from "./enqueueAcquiredShards.ts"
import { fluxSourceChanged } from "./fluxSourceSummary.ts"
import {
  cacheKey,
  type Informer,
  type InformerEvent,
  makeInformer,
  metadataOnly,
} from "./Informer.ts"
import {
  inventoryEntries,
  inventoryShards,
  objectsApplied,
  objectsPruned,
  reconcileDuration,
  reconcileTotal,
} from "./metrics.ts"
import { OwnWrites } from "./OwnWrites.ts"
import { failureDelay, intervalsOf } from "./requeueDelay.ts"
import { ShardOwnership } from "./ShardOwnership.ts"
import {
  emptySourceIndex,
  removeStageSet,
  setStageSet,
  sourceKeysOf,
  sourceKeysOfEvent,
  stageSetsFor,
} from "./SourceIndex.ts"
import { shardChanged, stageSetChanged } from "./stageSetChanged.ts"
import { makeWorkQueue, type WorkQueue } from "./WorkQueue.ts"
import { watchCoreSource } from "./watchCoreSource.ts"
import { watchFluxKind } from "./watchFluxKind.ts"

const STAGE_SETS = { apiVersion: API_VERSION, kind: STAGE_SET_KIND }
const INVENTORIES = { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND }

/** The metric `result` tag of an outcome; bounded on purpose. */
type Result = "ready" | "failed" | "suspended" | "deleted" | "error"

const splitKey = (key: string) => {
  const slash = key.indexOf("/")
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) }
}

/** Feeds an informer's events to `handle` in a fiber of the controller's scope. */
const runInformer = <R>(
  informer: Informer,
  handle: (event: InformerEvent) => Effect.Effect<void, never, R>,
) => Effect.forkScoped(Stream.runForEach(informer.events, handle))

/**
 * The controller loop: informers turn cluster changes into StageSet keys on a work queue,
 * and `--concurrent` workers reconcile them one key at a time (see WorkQueue).
 *
 * - StageSets: added and deleted ones, and updates of generation, annotations, deletion or
 *   finalizers (never status-only updates: our own status writes would loop).
 * - The dependents of a StageSet (`spec.dependsOn`, an index kept like the source index)
 *   when it appears, goes, or its readiness changes (`readinessChanged`: its Ready
 *   condition, observed generation or `status.version`, our own status writes included),
 *   never the StageSet itself. A dependency outside `--watch-namespaces` is not watched:
 *   its dependents see its changes on their retryInterval only.
 * - StageInventory shards (label `stages.metio.wtf/stage-set`): their owner, so a deleted or
 *   edited shard is repaired.
 * - ConfigMaps, Secrets and the Flux source kinds: only the StageSets whose stages reference
 *   them (an index kept from the StageSet informer; a sourceRef's namespace defaults to the
 *   StageSet's). A Flux kind is watched only when discovery serves it at
 *   `source.toolkit.fluxcd.io/v1` when the controller starts: Flux installed later is not
 *   noticed until a restart (its StageSets still reconcile on their interval). A source
 *   kind the controller may not list and watch (Secrets under the multi-tenancy chart
 *   profile) is not watched either, with the same consequence (see mayListAndWatch).
 * - `--watch-namespaces`: one list+watch per namespace for each kind; empty = cluster-wide.
 *   Sources outside the watched namespaces are only picked up on the interval.
 *
 * Requeue per outcome: Ready -> forget failures, again after `spec.interval` (default
 * `--default-interval`), or the shorter `spec.driftDetectionInterval`; Failed, or an
 * unexpected error or defect -> the key's failure backoff, capped at `spec.retryInterval`
 * (see `failureDelay`); DependencyNotReady -> after `spec.retryInterval` (a dependency's
 * change wakes it sooner); Suspended -> nothing timed
 * (a change to the StageSet enqueues it); Deleted / NotFound -> forget.
 *
 * Not scoped: it opens its own scope and never returns. Interrupting it stops the
 * informers and interrupts in-flight reconciles, which are crash-safe by design.
 */
export const runController = Effect.scoped(
  Effect.gen(function* () {
    const config = yield* ControllerConfig
    const recorder = yield* EventRecorder
    const queue = yield* makeWorkQueue({
      backoffBase: config.failureBackoffBase,
      backoffMax: config.failureBackoffMax,
    })
    const namespaces = config.watchNamespaces
    const index = yield* Ref.make(emptySourceIndex)
    // The same index shape, keyed by dependency: StageSet key -> the StageSets that depend on it.
    const dependents = yield* Ref.make(emptySourceIndex)
    // `--shards`: only keys of held shards are queued; the informers stay cluster-wide.
    const ownership = yield* ShardOwnership
    const add = (key: string) =>
      Effect.flatMap(ownership.owns(key), (owned) => (owned ? queue.add(key) : Effect.void))

    const own = yield* OwnWrites
    /** Whether an event is a change someone else made (ours are already reconciled). */
    const foreign = (event: InformerEvent, changed: (previous: KubeObject) => boolean) => {
      if (event._tag === "Deleted") return Effect.as(own.forget(event.object), true)
      if (event._tag === "Updated" && !changed(event.previous)) return Effect.succeed(false)
      return Effect.map(own.isOwn(event.object), (mine) => !mine)
    }

    const stageSets = yield* makeInformer(STAGE_SETS, { namespaces })
    yield* runInformer(stageSets, (event) => {
      const key = cacheKey(event.object.metadata.namespace, event.object.metadata.name)
      const reindex =
        event._tag === "Deleted"
          ? Ref.update(index, (i) => removeStageSet(i, key))
          : Ref.update(index, (i) => setStageSet(i, key, sourceKeysOf(event.object)))
      const reindexDependents =
        event._tag === "Deleted"
          ? Ref.update(dependents, (i) => removeStageSet(i, key))
          : Ref.update(dependents, (i) => setStageSet(i, key, dependencyKeysOf(event.object)))
      const wake =
        event._tag === "Updated" && !readinessChanged(event.previous, event.object)
          ? Effect.void
          : Effect.flatMap(Ref.get(dependents), (i) =>
              Effect.forEach(
                stageSetsFor(i, key).filter((dependent) => dependent !== key),
                add,
                { discard: true },
              ),
            )
      return Effect.all(
        [
          reindex,
          reindexDependents,
          wake,
          Effect.flatMap(
            foreign(event, (previous) => stageSetChanged(previous, event.object)),
            (wanted) => (wanted ? add(key) : Effect.void),
          ),
        ],
        { discard: true },
      )
    })
    yield* Effect.forkScoped(enqueueAcquiredShards(ownership, stageSets, add))

    const inventories = yield* makeInformer(INVENTORIES, {
      namespaces,
      labelSelector: LABEL_STAGE_SET,
      transform: metadataOnly,
      // A shard's entries (up to the shard cap) are not read here: every shard write would
      // otherwise come back as a watch event of the whole shard.
      metadataOnly: true,
    })
    yield* runInformer(inventories, (event) => {
      const owner = event.object.metadata.labels?.[LABEL_STAGE_SET]
      if (owner === undefined) return Effect.void
      return Effect.flatMap(
        foreign(event, (previous) => shardChanged(previous, event.object)),
        (wanted) => (wanted ? add(cacheKey(event.object.metadata.namespace, owner)) : Effect.void),
      )
    })

    // A source event enqueues the StageSets that reference the source, nothing else: its
    // identity is all the handler reads, so that is all the cache keeps.
    // An ExternalArtifact also concerns the readers of the producer it names, before and
    // after a change of its spec.sourceRef.
    const enqueueReaders = (event: InformerEvent) =>
      Effect.flatMap(Ref.get(index), (i) => {
        const keys = new Set([
          ...sourceKeysOfEvent(event.object),
          ...(event._tag === "Updated" ? sourceKeysOfEvent(event.previous) : []),
        ])
        return Effect.forEach(new Set([...keys].flatMap((key) => stageSetsFor(i, key))), add, {
          discard: true,
        })
      })
    for (const kind of ["ConfigMap", "Secret"] as const)
      yield* Effect.forkScoped(watchCoreSource(kind, namespaces, enqueueReaders))
    for (const kind of fluxSourceKinds)
      yield* Effect.forkScoped(
        watchFluxKind(kind, namespaces, (event) =>
          event._tag === "Updated" && !fluxSourceChanged(event.previous, event.object)
            ? Effect.void
            : enqueueReaders(event),
        ),
      )

    const process = (key: string) => {
      const { namespace, name } = splitKey(key)
      return Effect.gen(function* () {
        const [elapsed, exit] = yield* Effect.timed(
          Effect.exit(reconcileStageSet({ namespace, name })),
        )
        const cached = yield* stageSets.get(namespace, name)
        const intervals = intervalsOf(Option.getOrUndefined(cached), config.defaultInterval)
        const target = {
          ...STAGE_SETS,
          namespace,
          name,
          ...Option.match(cached, {
            onNone: () => ({}),
            onSome: (o) => (o.metadata.uid === undefined ? {} : { uid: o.metadata.uid }),
          }),
        }
        const result = yield* Exit.match(exit, {
          onSuccess: (report) =>
            Effect.gen(function* () {
              yield* Effect.forEach(report.events, (e) => recorder.record(target, e), {
                discard: true,
              })
              yield* Metric.incrementBy(
                Metric.tagged(objectsApplied, "namespace", namespace),
                report.applied,
              )
              yield* Metric.incrementBy(
                Metric.tagged(objectsPruned, "namespace", namespace),
                report.pruned,
              )
              const summary: ReconcileReport = report
              for (const stage of summary.stages ?? []) {
                const tag = <M extends Metric.Metric.Gauge<number>>(m: M) =>
                  m.pipe(
                    Metric.tagged("namespace", namespace),
                    Metric.tagged("stageset", name),
                    Metric.tagged("stage", stage.name),
                  )
                yield* Metric.set(tag(inventoryEntries), stage.entriesCount ?? 0)
                yield* Metric.set(tag(inventoryShards), stage.shards ?? 0)
              }
              return yield* afterReport(queue, key, report, intervals)
            }),
          // A KubeError that escaped the program, or a defect: a bug or an outage, not a
          // verdict on the StageSet. Log it and retry like a failure; never stop the worker.
          // (Our own shutdown never gets here: an interrupted worker runs no continuation.)
          onFailure: (cause) =>
            Effect.gen(function* () {
              const delay = failureDelay(yield* queue.backoff(key), intervals)
              yield* queue.addAfter(key, delay)
              yield* Effect.logError("reconcile crashed; retrying").pipe(
                Effect.annotateLogs({
                  retryIn: Duration.format(delay),
                  cause: Cause.pretty(cause),
                }),
              )
              if (Option.isSome(cached)) yield* recorder.record(target, crashEvent(cause, delay))
              return "error" as const
            }),
        })
        yield* Metric.update(
          Metric.tagged(reconcileDuration, "result", result),
          Duration.toSeconds(elapsed),
        )
        yield* Metric.increment(Metric.tagged(reconcileTotal, "result", result))
      }).pipe(Effect.annotateLogs({ namespace, stageset: name }))
    }

    // The last line of defence: whatever breaks around a reconcile (events, metrics) is
    // logged and backed off too, so a worker only ends with the controller.
    // The shard is checked again right before the reconcile starts (a delayed requeue may
    // fire after it was lost) and a reconcile of a shard lost meanwhile is interrupted.
    const worker = Effect.flatMap(queue.take, (key) =>
      ownership
        .guard(
          key,
          // Start and end are logged so a run's span can be told per replica (and an
          // interrupted run ends here too).
          Effect.zipRight(Effect.logDebug("reconcile started"), process(key)).pipe(
            Effect.ensuring(Effect.logDebug("reconcile ended")),
          ),
        )
        .pipe(
          Effect.flatMap((ran) =>
            Option.isNone(ran) ? Effect.logDebug("not reconciled: shard not held") : Effect.void,
          ),
          Effect.annotateLogs({ key }),
          Effect.catchAllCause((cause) =>
            Effect.zipRight(
              Effect.logError("worker failed; retrying").pipe(
                Effect.annotateLogs({ key, cause: Cause.pretty(cause) }),
              ),
              queue.addRateLimited(key),
            ),
          ),
          Effect.ensuring(queue.done(key)),
        ),
    ).pipe(Effect.forever)
    const workers = Math.max(1, config.concurrent)
    yield* Effect.logInfo("controller started").pipe(
      Effect.annotateLogs({
        workers,
        namespaces: namespaces.length === 0 ? "*" : namespaces.join(","),
      }),
    )
    yield* Effect.forEach(Array.from({ length: workers }), () => Effect.forkScoped(worker), {
      discard: true,
    })
    return yield* Effect.never
  }),
)

/** Applies the requeue rule of `runController` to a report; the metric result. */
const afterReport = (
  queue: WorkQueue,
  key: string,
  report: ReconcileReport,
  intervals: ReturnType<typeof intervalsOf>,
): Effect.Effect<Result> => {
  const outcome = report.outcome
  switch (outcome._tag) {
    case "Ready":
      return Effect.gen(function* () {
        yield* queue.forget(key)
        yield* queue.addAfter(key, intervals.readyInterval)
        yield* Effect.logDebug("reconciled").pipe(
          Effect.annotateLogs({ applied: report.applied, pruned: report.pruned }),
        )
        return "ready" as const
      })
    case "Failed":
      return Effect.gen(function* () {
        // Waiting for a dependency is no failure to back off from: its status change wakes
        // this StageSet (see the dependents index); retryInterval is the fallback, as in the
        // Go implementation.
        const delay =
          outcome.failure.reason === "DependencyNotReady"
            ? intervals.retryInterval
            : failureDelay(yield* queue.backoff(key), intervals)
        yield* queue.addAfter(key, delay)
        yield* Effect.logWarning("reconcile failed").pipe(
          Effect.annotateLogs({
            reason: outcome.failure.reason,
            message: outcome.failure.message,
            retryIn: Duration.format(delay),
          }),
        )
        return "failed" as const
      })
    case "Suspended":
      return Effect.as(queue.forget(key), "suspended" as const)
    case "Deleted":
    case "NotFound":
      return Effect.as(queue.forget(key), "deleted" as const)
  }
}
