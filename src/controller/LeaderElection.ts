import {
  Cause,
  Clock,
  Data,
  Duration,
  Effect,
  Exit,
  Fiber,
  Option,
  Random,
  Ref,
  Schedule,
  Scope,
  SubscriptionRef,
} from "effect"
import { KubeClient, type KubeClientApi } from "../kube/KubeClient.ts"
import { isRetryable, type KubeError } from "../kube/KubeError.ts"
import {
  heldByOther,
  type LeaseRecord,
  leaseKey,
  leaseObject,
  readLeaseRecord,
} from "./LeaseRecord.ts"

/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate
 * takes the lease when it is absent, released, expired (renewTime + leaseDurationSeconds has
 * passed, by the effect Clock) or already its own; every write carries the resourceVersion it
 * read, so when two candidates race the API server lets one win and answers the other 409.
 * Expiry compares the holder's renewTime with our clock, so it assumes node clocks agree to well
 * within leaseDuration - renewDeadline (NTP); a candidate that just started can then take over
 * an abandoned lease at once instead of first watching it for a full leaseDuration.
 */

/** The controller's Lease (`--leader-elect`). */
export const LeaseName = "stageset-controller.stages.metio.wtf"

export interface LeaderElectionConfig {
  /** Where the Lease lives: the controller's own namespace. */
  readonly namespace: string
  readonly name: string
  /** Unique per process (see `leaderIdentity`), so a restarted pod never mistakes the old lease for its own. */
  readonly identity: string
  /** How long others wait after the last renewal before taking over (written in whole seconds). */
  readonly leaseDuration: Duration.Duration
  /** How long the leader keeps trying to renew before it gives up; shorter than leaseDuration so it stops before others may start. */
  readonly renewDeadline: Duration.Duration
  /** Pause between acquire attempts, between renewals, and between retries of a failed renewal. */
  readonly retryPeriod: Duration.Duration
  /** Clear the lease when leading ends other than by losing it, so a successor need not wait for expiry (client-go's ReleaseOnCancel). */
  readonly releaseOnCancel: boolean
}

/** controller-runtime's defaults: 15s lease, 10s renew deadline, 2s retry period; release on cancel. */
export const makeLeaderElectionConfig = (
  options: Pick<LeaderElectionConfig, "namespace" | "identity"> & Partial<LeaderElectionConfig>,
): LeaderElectionConfig => ({
  name: LeaseName,
  leaseDuration: Duration.seconds(15),
  renewDeadline: Duration.seconds(10),
  retryPeriod: Duration.seconds(2),
  releaseOnCancel: true,
  ...options,
})

/** `hostname_<random>`, like controller-runtime's hostname + UUID. */
export const leaderIdentity = (hostname: string): Effect.Effect<string> =>
  Effect.map(
    Effect.all([Random.nextIntBetween(0, 0x10000), Random.nextIntBetween(0, 0x10000)]),
    (parts) => `${hostname}_${parts.map((p) => p.toString(16).padStart(4, "0")).join("")}`,
  )

/** Leadership ended without being given up: renewal kept failing for renewDeadline, or another candidate holds the lease. */
export class LostLease extends Data.TaggedError("LostLease")<{
  readonly lease: string
  readonly identity: string
  readonly reason: string
}> {
  override get message(): string {
    return `lost the leader lease ${this.lease} (${this.identity}): ${this.reason}`
  }
}

/** A conflicting release is retried a little: our own renewal may have landed just before it. */
const releaseRetry = Schedule.spaced(Duration.millis(100)).pipe(
  Schedule.intersect(Schedule.recurs(3)),
)

type Attempt =
  | { readonly _tag: "Held"; readonly renewedAt: number }
  | { readonly _tag: "HeldByOther"; readonly holder: string }

/** A misconfiguration is a bug in the caller, not a runtime condition: report it as a defect. */
const configProblem = (config: LeaderElectionConfig): Option.Option<string> => {
  if (config.identity === "") return Option.some("identity must not be empty")
  if (Duration.lessThan(config.leaseDuration, Duration.seconds(1)))
    return Option.some("leaseDuration must be at least 1s")
  if (!Duration.greaterThan(config.leaseDuration, config.renewDeadline))
    return Option.some("leaseDuration must be greater than renewDeadline")
  if (!Duration.greaterThan(config.renewDeadline, config.retryPeriod))
    return Option.some("renewDeadline must be greater than retryPeriod")
  if (!Duration.greaterThan(config.retryPeriod, Duration.zero))
    return Option.some("retryPeriod must be positive")
  return Option.none()
}

/**
 * One round of client-go's tryAcquireOrRenew. `beforeWrite` runs before any write that may make
 * us the holder, so shutdown knows to release even if the response is lost. A 409 (someone else
 * wrote first) and other API errors are left to the caller.
 */
const tryAcquireOrRenew = (
  kube: KubeClientApi,
  config: LeaderElectionConfig,
  durationSeconds: number,
  beforeWrite: Effect.Effect<void>,
): Effect.Effect<Attempt, KubeError> =>
  Effect.gen(function* () {
    const key = leaseKey(config.namespace, config.name)
    const live = yield* kube.get(key).pipe(
      Effect.asSome,
      Effect.catchTag("KubeNotFound", () => Effect.succeedNone),
    )
    const now = yield* Clock.currentTimeMillis
    const old = Option.map(live, (lease) => readLeaseRecord(lease, durationSeconds))
    if (Option.isSome(old) && heldByOther(old.value, config.identity, now))
      return { _tag: "HeldByOther", holder: old.value.holderIdentity } as const
    const ours = Option.exists(old, (r) => r.holderIdentity === config.identity)
    const record: LeaseRecord = {
      holderIdentity: config.identity,
      leaseDurationSeconds: durationSeconds,
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
 * Runs `whileLeader` only while holding the lease. Waits (retrying every retryPeriod, jittered)
 * until it acquires the lease, then runs `whileLeader` and renews every retryPeriod. When a
 * renewal shows another holder, or renewals keep failing until renewDeadline after the last
 * successful one, `whileLeader` is interrupted and the effect fails with LostLease: the process
 * should exit, as controller-runtime's does. When `whileLeader` ends or the effect is interrupted
 * (SIGTERM), `whileLeader` is stopped first and then, with releaseOnCancel, the lease is cleared
 * so another candidate takes over at once. `isLeader` follows leadership for readiness and
 * metrics: true from acquisition until `whileLeader` is being stopped.
 */
export const withLeaderElection = <A, E, R>(
  config: LeaderElectionConfig,
  whileLeader: Effect.Effect<A, E, R>,
  isLeader?: SubscriptionRef.SubscriptionRef<boolean>,
): Effect.Effect<A, E | LostLease, R | KubeClient> =>
  Effect.gen(function* () {
    const problem = configProblem(config)
    if (Option.isSome(problem))
      return yield* Effect.dieMessage(`invalid leader election config: ${problem.value}`)
    const kube = yield* KubeClient
    const lease = `${config.namespace}/${config.name}`
    const annotate = Effect.annotateLogs({ lease, identity: config.identity })
    const lost = (reason: string) => new LostLease({ lease, identity: config.identity, reason })
    const durationSeconds = Math.ceil(Duration.toMillis(config.leaseDuration) / 1000)
    const mayHold = yield* Ref.make(false)
    const lastRenewal = yield* Ref.make(0)
    const seenHolder = yield* Ref.make("")
    const setLeader = (leader: boolean) =>
      isLeader === undefined ? Effect.void : SubscriptionRef.set(isLeader, leader)
    const attempt = tryAcquireOrRenew(kube, config, durationSeconds, Ref.set(mayHold, true))

    const acquireOnce = attempt.pipe(
      // A hanging request must not stall the candidate; the next round reads the lease afresh.
      Effect.timeout(config.renewDeadline),
      Effect.flatMap((result) =>
        result._tag === "Held"
          ? Ref.set(lastRenewal, result.renewedAt).pipe(Effect.as(true))
          : Effect.whenEffect(
              Effect.log(`lease held by ${result.holder}; waiting`),
              Ref.modify(seenHolder, (seen) => [seen !== result.holder, result.holder]),
            ).pipe(Effect.as(false)),
      ),
      Effect.catchAll((error) =>
        (error._tag === "KubeConflict"
          ? Effect.logDebug("another candidate wrote the lease first")
          : Effect.logWarning("could not acquire the lease; retrying", error)
        ).pipe(Effect.as(false)),
      ),
    )
    const acquire = acquireOnce.pipe(
      Effect.repeat({
        schedule: Schedule.jittered(Schedule.spaced(config.retryPeriod)),
        until: (held) => held,
      }),
    )

    // Each round must succeed before renewDeadline after the last successful renewal; within
    // that window failed attempts are retried, but seeing another holder ends leadership at once.
    const renewRound = Effect.gen(function* () {
      const deadline = (yield* Ref.get(lastRenewal)) + Duration.toMillis(config.renewDeadline)
      const now = yield* Clock.currentTimeMillis
      yield* attempt.pipe(
        Effect.flatMap((result) =>
          result._tag === "Held"
            ? Ref.set(lastRenewal, result.renewedAt)
            : Effect.fail(lost(`the lease is held by ${result.holder}`)),
        ),
        Effect.tapError((error) =>
          error._tag === "LostLease" ? Effect.void : Effect.logWarning("renewal failed", error),
        ),
        Effect.retry({
          schedule: Schedule.spaced(config.retryPeriod),
          while: (error) => error._tag !== "LostLease",
        }),
        Effect.timeoutFail({
          duration: Duration.millis(Math.max(0, deadline - now)),
          onTimeout: () => lost(`could not renew within ${Duration.format(config.renewDeadline)}`),
        }),
        Effect.mapError((error) => (error._tag === "LostLease" ? error : lost(error.message))),
      )
    })
    const renew = renewRound.pipe(
      Effect.schedule(Schedule.spaced(config.retryPeriod)),
      Effect.zipRight(Effect.never),
    )

    const release = Effect.gen(function* () {
      const key = leaseKey(config.namespace, config.name)
      const live = yield* kube.get(key)
      const record = readLeaseRecord(live, durationSeconds)
      if (record.holderIdentity !== config.identity) return
      const now = yield* Clock.currentTimeMillis
      // client-go's release: no holder, a 1s duration, times set to now, transitions kept.
      const released: LeaseRecord = {
        holderIdentity: "",
        leaseDurationSeconds: 1,
        acquireTime: Option.some(now),
        renewTime: Option.some(now),
        leaseTransitions: record.leaseTransitions,
      }
      yield* kube.update(leaseObject(key, released, Option.some(live)))
      yield* Effect.log("released the leader lease")
    }).pipe(
      Effect.retry({
        schedule: releaseRetry,
        while: (error) => error._tag === "KubeConflict" || isRetryable(error),
      }),
      Effect.catchTag("KubeNotFound", () => Effect.void),
      // Finalizers are uninterruptible; the timeout must be able to cut a hanging request short
      // so that shutdown is never held up by an unreachable API server.
      Effect.interruptible,
      Effect.timeout(config.renewDeadline),
      Effect.catchAll((error) =>
        Effect.logWarning("could not release the lease; it expires on its own", error),
      ),
    )

    return yield* Effect.acquireUseRelease(
      Scope.make(),
      (scope) =>
        Effect.gen(function* () {
          yield* Effect.log("waiting to acquire the leader lease").pipe(annotate)
          yield* annotate(acquire)
          yield* setLeader(true)
          yield* Effect.log("acquired the leader lease; leading").pipe(annotate)
          const work = yield* Effect.forkIn(whileLeader, scope)
          const renewer = yield* Effect.forkIn(annotate(renew), scope)
          // Joining inside the race keeps both fibers owned by `scope`, whose closing interrupts
          // and awaits them: `whileLeader` has stopped before the lease is released.
          return yield* Effect.raceFirst(Fiber.join(work), Fiber.join(renewer))
        }),
      (scope, exit) =>
        Effect.gen(function* () {
          yield* setLeader(false)
          yield* Scope.close(scope, exit)
          const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          // Unlike client-go we do not try to release a lost lease: it is either someone else's
          // or ours only because the API server stopped answering, in which case a release would
          // delay the exit by up to renewDeadline to save the others at most a few seconds.
          if (Option.isSome(failure) && failure.value instanceof LostLease) {
            yield* Effect.logError(`lost the leader lease: ${failure.value.reason}`)
            return
          }
          if (config.releaseOnCancel && (yield* Ref.get(mayHold))) yield* release
        }).pipe(annotate),
    )
  })
