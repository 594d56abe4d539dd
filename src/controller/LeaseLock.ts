import { Clock, Data, Duration, Effect, Option, Ref, Schedule } from "effect"
import type { KubeClientApi } from "../kube/KubeClient.ts"
import { isRetryable, type KubeError } from "../kube/KubeError.ts"
import {
  heldByOther,
  type LeaseRecord,
  leaseKey,
  leaseObject,
  readLeaseRecord,
} from "./LeaseRecord.ts"

/**
 * One coordination.k8s.io/v1 Lease held with client-go's semantics, shared by leader election
 * (one Lease) and `--shards` (one Lease per shard): a candidate takes the lease when it is
 * absent, released, expired (renewTime + leaseDurationSeconds has passed, by the effect Clock)
 * or already its own; every write carries the resourceVersion it read, so when two candidates
 * race the API server lets one win and answers the other 409.
 */
export interface LeaseLock {
  readonly namespace: string
  readonly name: string
  /** Unique per process, so a restarted pod never mistakes the old lease for its own. */
  readonly identity: string
  /** Written in whole seconds: how long others wait after the last renewal. */
  readonly durationSeconds: number
}

/** Holding ended without being given up: renewal kept failing for renewDeadline, or another candidate holds the lease. */
export class LostLease extends Data.TaggedError("LostLease")<{
  readonly lease: string
  readonly identity: string
  readonly reason: string
}> {
  override get message(): string {
    return `lost the lease ${this.lease} (${this.identity}): ${this.reason}`
  }
}

export type LeaseAttempt =
  | { readonly _tag: "Held"; readonly renewedAt: number }
  | { readonly _tag: "HeldByOther"; readonly holder: string }

/** The timing of a lease holder; checked once by `leaseTimingProblem`. */
export interface LeaseTiming {
  readonly leaseDuration: Duration.Duration
  readonly renewDeadline: Duration.Duration
  readonly retryPeriod: Duration.Duration
}

/** A misconfiguration is a bug in the caller: callers report it as a defect. */
export const leaseTimingProblem = (
  identity: string,
  timing: LeaseTiming,
): Option.Option<string> => {
  if (identity === "") return Option.some("identity must not be empty")
  if (Duration.lessThan(timing.leaseDuration, Duration.seconds(1)))
    return Option.some("leaseDuration must be at least 1s")
  if (!Duration.greaterThan(timing.leaseDuration, timing.renewDeadline))
    return Option.some("leaseDuration must be greater than renewDeadline")
  if (!Duration.greaterThan(timing.renewDeadline, timing.retryPeriod))
    return Option.some("renewDeadline must be greater than retryPeriod")
  if (!Duration.greaterThan(timing.retryPeriod, Duration.zero))
    return Option.some("retryPeriod must be positive")
  return Option.none()
}

export const durationSecondsOf = (leaseDuration: Duration.Duration): number =>
  Math.ceil(Duration.toMillis(leaseDuration) / 1000)

/**
 * One round of client-go's tryAcquireOrRenew. `beforeWrite` runs before any write that may make
 * us the holder, so shutdown knows to release even if the response is lost. The time returned
 * is read before the write is sent: the holder counts its deadline from no later than the
 * renewTime others will see. A 409 (someone else wrote first) and other API errors are left to
 * the caller.
 */
export const tryAcquireOrRenew = (
  kube: KubeClientApi,
  lock: LeaseLock,
  beforeWrite: Effect.Effect<void> = Effect.void,
): Effect.Effect<LeaseAttempt, KubeError> =>
  Effect.gen(function* () {
    const key = leaseKey(lock.namespace, lock.name)
    const live = yield* kube.get(key).pipe(
      Effect.asSome,
      Effect.catchTag("KubeNotFound", () => Effect.succeedNone),
    )
    const now = yield* Clock.currentTimeMillis
    const old = Option.map(live, (lease) => readLeaseRecord(lease, lock.durationSeconds))
    if (Option.isSome(old) && heldByOther(old.value, lock.identity, now))
      return { _tag: "HeldByOther", holder: old.value.holderIdentity } as const
    const ours = Option.exists(old, (r) => r.holderIdentity === lock.identity)
    const record: LeaseRecord = {
      holderIdentity: lock.identity,
      leaseDurationSeconds: lock.durationSeconds,
      acquireTime: ours
        ? Option.orElse(
            Option.flatMap(old, (r) => r.acquireTime),
            () => Option.some(now),
          )
        : Option.some(now),
      renewTime: Option.some(now),
      leaseTransitions: Option.match(old, {
        onNone: () => 0,
        onSome: (r) => (ours ? r.leaseTransitions : r.leaseTransitions + 1),
      }),
    }
    yield* beforeWrite
    const lease = leaseObject(key, record, live)
    yield* Option.isNone(live) ? kube.create(lease) : kube.update(lease)
    return { _tag: "Held", renewedAt: now } as const
  })

/**
 * Renews a held lease every retryPeriod until it is lost; never succeeds. Each round must
 * succeed before renewDeadline after the last successful renewal (`renewedAt` at first);
 * within that window failed attempts are retried, but seeing another holder ends holding at
 * once. renewDeadline < leaseDuration is what lets the holder stop before anyone else may
 * take the lease.
 */
export const renewUntilLost = (
  kube: KubeClientApi,
  lock: LeaseLock,
  timing: LeaseTiming,
  renewedAt: number,
): Effect.Effect<never, LostLease> =>
  Effect.gen(function* () {
    const lease = `${lock.namespace}/${lock.name}`
    const lost = (reason: string) => new LostLease({ lease, identity: lock.identity, reason })
    const lastRenewal = yield* Ref.make(renewedAt)
    const round = Effect.gen(function* () {
      const deadline = (yield* Ref.get(lastRenewal)) + Duration.toMillis(timing.renewDeadline)
      const now = yield* Clock.currentTimeMillis
      yield* tryAcquireOrRenew(kube, lock).pipe(
        Effect.flatMap((result) =>
          result._tag === "Held"
            ? Ref.set(lastRenewal, result.renewedAt)
            : Effect.fail(lost(`the lease is held by ${result.holder}`)),
        ),
        Effect.tapError((error) =>
          error._tag === "LostLease" ? Effect.void : Effect.logWarning("renewal failed", error),
        ),
        Effect.retry({
          schedule: Schedule.spaced(timing.retryPeriod),
          while: (error) => error._tag !== "LostLease",
        }),
        Effect.timeoutFail({
          duration: Duration.millis(Math.max(0, deadline - now)),
          onTimeout: () => lost(`could not renew within ${Duration.format(timing.renewDeadline)}`),
        }),
        Effect.mapError((error) => (error._tag === "LostLease" ? error : lost(error.message))),
      )
    })
    return yield* round.pipe(
      Effect.schedule(Schedule.spaced(timing.retryPeriod)),
      Effect.zipRight(Effect.never),
    )
  })

/** A conflicting release is retried a little: our own renewal may have landed just before it. */
const releaseRetry = Schedule.spaced(Duration.millis(100)).pipe(
  Schedule.intersect(Schedule.recurs(3)),
)

/**
 * client-go's release: no holder, a 1s duration, times set to now, transitions kept, so the
 * next candidate takes over at once. Only when we still hold it; never fails (a lease that
 * cannot be released expires on its own), and gives up after `timeout` so shutdown is never
 * held up by an unreachable API server.
 */
export const releaseLease = (
  kube: KubeClientApi,
  lock: LeaseLock,
  timeout: Duration.Duration,
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const key = leaseKey(lock.namespace, lock.name)
    const live = yield* kube.get(key)
    const record = readLeaseRecord(live, lock.durationSeconds)
    if (record.holderIdentity !== lock.identity) return
    const now = yield* Clock.currentTimeMillis
    const released: LeaseRecord = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: Option.some(now),
      renewTime: Option.some(now),
      leaseTransitions: record.leaseTransitions,
    }
    yield* kube.update(leaseObject(key, released, Option.some(live)))
    yield* Effect.log(`released the lease ${lock.name}`)
  }).pipe(
    Effect.retry({
      schedule: releaseRetry,
      while: (error) => error._tag === "KubeConflict" || isRetryable(error),
    }),
    Effect.catchTag("KubeNotFound", () => Effect.void),
    // Finalizers are uninterruptible; the timeout must be able to cut a hanging request short.
    Effect.interruptible,
    Effect.timeout(timeout),
    Effect.catchAll((error) =>
      Effect.logWarning("could not release the lease; it expires on its own", error),
    ),
  )
