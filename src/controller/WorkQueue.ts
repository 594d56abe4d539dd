import {
  Clock,
  Duration,
  Effect,
  FiberMap,
  HashMap,
  HashSet,
  Metric,
  Queue,
  Ref,
  type Scope,
  SynchronizedRef,
} from "effect"
import { queueDepth } from "./metrics.ts"

/**
 * A work queue with controller-runtime's semantics, keyed by strings (`namespace/name`).
 *
 * - A key waiting in the queue is there once, however often it is added (de-duplication).
 * - A key handed out by `take` is in flight until `done`; adding it meanwhile marks it
 *   dirty, and `done` queues it again, so one key is never processed by two workers at once
 *   and no change that arrived during processing is lost.
 * - `addAfter` queues a key later; of several pending delays the earliest wins, and an
 *   immediate `add` cancels a pending delay (the reconcile it triggers schedules its own).
 * - `backoff` is a per-key failure counter: `base * 2^(failures-1)` capped at `max`; `forget`
 *   resets it after a success.
 *
 * Every wait is an `Effect.sleep`, so tests drive it with TestClock.
 */
export interface WorkQueue {
  /** Queues `key` now (no-op when it is already waiting; re-queued after `done` when in flight). */
  readonly add: (key: string) => Effect.Effect<void>
  /** Queues `key` once `delay` has passed, unless an earlier add for it is pending. */
  readonly addAfter: (key: string, delay: Duration.DurationInput) => Effect.Effect<void>
  /** Queues `key` after its next failure backoff; returns that delay. */
  readonly addRateLimited: (key: string) => Effect.Effect<Duration.Duration>
  /** Counts a failure of `key` and returns the delay its backoff asks for (without queueing it). */
  readonly backoff: (key: string) => Effect.Effect<Duration.Duration>
  /** Forgets the failures of `key` (after a success): its next backoff starts from `base` again. */
  readonly forget: (key: string) => Effect.Effect<void>
  /** How many failures of `key` are counted. */
  readonly failures: (key: string) => Effect.Effect<number>
  /** Waits for the next key and marks it in flight; the caller must call `done` afterwards. */
  readonly take: Effect.Effect<string>
  /** Ends processing of `key`; queues it again when it was added while in flight. */
  readonly done: (key: string) => Effect.Effect<void>
  /** Keys waiting to be taken (not counting delayed or in-flight ones). */
  readonly length: Effect.Effect<number>
  /** Keys whose delayed add has not fired yet. */
  readonly pending: Effect.Effect<number>
}

export interface WorkQueueOptions {
  /** First failure backoff (`--failure-backoff-base`). */
  readonly backoffBase: Duration.DurationInput
  /** Longest failure backoff. */
  readonly backoffMax: Duration.DurationInput
}

interface State {
  /** Queued and not yet taken, or added again while in flight. */
  readonly dirty: HashSet.HashSet<string>
  /** Taken and not yet `done`. */
  readonly processing: HashSet.HashSet<string>
}

/** The delay of the `failures`-th failure: doubling from `base`, capped at `max`. */
export const backoffDelay = (
  failures: number,
  base: Duration.DurationInput,
  max: Duration.DurationInput,
): Duration.Duration => {
  const baseMillis = Duration.toMillis(base)
  const maxMillis = Duration.toMillis(max)
  // Past 2^52 the doubling only overflows; the cap has long been reached by then.
  const exponent = Math.min(Math.max(failures - 1, 0), 52)
  return Duration.millis(Math.min(baseMillis * 2 ** exponent, maxMillis))
}

/** A work queue whose delayed adds live as fibers in the caller's scope. */
export const makeWorkQueue = (
  options: WorkQueueOptions,
): Effect.Effect<WorkQueue, never, Scope.Scope> =>
  Effect.gen(function* () {
    const ready = yield* Queue.unbounded<string>()
    const state = yield* Ref.make<State>({ dirty: HashSet.empty(), processing: HashSet.empty() })
    const failureCounts = yield* Ref.make(HashMap.empty<string, number>())
    // When each delayed key fires (epoch millis); guarded so "earliest wins" is atomic.
    const waiting = yield* SynchronizedRef.make(HashMap.empty<string, number>())
    const timers = yield* FiberMap.make<string>()

    const publishDepth = Effect.flatMap(Queue.size(ready), (n) => Metric.set(queueDepth, n))

    // Marks `key` dirty; puts it on the ready queue unless it already waits or is in flight.
    const enqueue = (key: string) =>
      Ref.modify(state, (s): [boolean, State] => {
        if (HashSet.has(s.dirty, key)) return [false, s]
        const dirty = HashSet.add(s.dirty, key)
        return [!HashSet.has(s.processing, key), { ...s, dirty }]
      }).pipe(
        Effect.flatMap((push) =>
          push ? Effect.zipRight(Queue.offer(ready, key), publishDepth) : Effect.void,
        ),
      )

    const add = (key: string) =>
      Effect.zipRight(
        SynchronizedRef.updateEffect(waiting, (w) =>
          HashMap.has(w, key)
            ? Effect.as(FiberMap.remove(timers, key), HashMap.remove(w, key))
            : Effect.succeed(w),
        ),
        enqueue(key),
      )

    const addAfter = (key: string, delay: Duration.DurationInput) => {
      const wait = Duration.decode(delay)
      if (Duration.lessThanOrEqualTo(wait, Duration.zero)) return add(key)
      return SynchronizedRef.updateEffect(waiting, (w) =>
        Effect.gen(function* () {
          const readyAt = (yield* Clock.currentTimeMillis) + Duration.toMillis(wait)
          const earlier = HashMap.get(w, key)
          if (earlier._tag === "Some" && earlier.value <= readyAt) return w
          // Replacing the fiber interrupts the later timer this one supersedes. The timer
          // fires under the same lock, so an add or a replacement never races its enqueue.
          yield* FiberMap.run(
            timers,
            key,
            Effect.zipRight(
              Effect.sleep(wait),
              SynchronizedRef.updateEffect(waiting, (now) => {
                const at = HashMap.get(now, key)
                return at._tag === "Some" && at.value === readyAt
                  ? Effect.as(enqueue(key), HashMap.remove(now, key))
                  : Effect.succeed(now)
              }),
            ),
          )
          return HashMap.set(w, key, readyAt)
        }),
      )
    }

    const backoff = (key: string) =>
      Ref.modify(failureCounts, (counts): [number, HashMap.HashMap<string, number>] => {
        const n = HashMap.get(counts, key).pipe((c) => (c._tag === "Some" ? c.value : 0)) + 1
        return [n, HashMap.set(counts, key, n)]
      }).pipe(Effect.map((n) => backoffDelay(n, options.backoffBase, options.backoffMax)))

    const addRateLimited = (key: string) =>
      Effect.tap(backoff(key), (delay) => addAfter(key, delay))

    const forget = (key: string) => Ref.update(failureCounts, HashMap.remove(key))

    const failures = (key: string) =>
      Effect.map(Ref.get(failureCounts), (counts) =>
        HashMap.get(counts, key).pipe((c) => (c._tag === "Some" ? c.value : 0)),
      )

    // Uninterruptible between the hand-over and the bookkeeping, so a worker interrupted
    // right then cannot leave the key dirty forever (which would swallow later adds).
    const take = Effect.uninterruptibleMask((restore) =>
      restore(Queue.take(ready)).pipe(
        Effect.tap((key) =>
          Ref.update(state, (s) => ({
            dirty: HashSet.remove(s.dirty, key),
            processing: HashSet.add(s.processing, key),
          })),
        ),
        Effect.tap(publishDepth),
      ),
    )

    const done = (key: string) =>
      Ref.modify(state, (s): [boolean, State] => [
        HashSet.has(s.dirty, key),
        { ...s, processing: HashSet.remove(s.processing, key) },
      ]).pipe(
        Effect.flatMap((again) =>
          again ? Effect.zipRight(Queue.offer(ready, key), publishDepth) : Effect.void,
        ),
      )

    return {
      add,
      addAfter,
      addRateLimited,
      backoff,
      forget,
      failures,
      take,
      done,
      length: Queue.size(ready),
      pending: Effect.map(SynchronizedRef.get(waiting), HashMap.size),
    } satisfies WorkQueue
  })
