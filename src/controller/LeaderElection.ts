import {
  Cause,
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
import { KubeClient } from "../kube/KubeClient.ts"
import {
  durationSecondsOf,
  type LeaseLock,
  LostLease,
  leaseTimingProblem,
  releaseLease,
  renewUntilLost,
  tryAcquireOrRenew,
} from "./LeaseLock.ts"

export { LostLease } from "./LeaseLock.ts"

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

/** A misconfiguration is a bug in the caller, not a runtime condition: report it as a defect. */
const configProblem = (config: LeaderElectionConfig): Option.Option<string> =>
  leaseTimingProblem(config.identity, config)

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
    const lock: LeaseLock = {
      namespace: config.namespace,
      name: config.name,
      identity: config.identity,
      durationSeconds: durationSecondsOf(config.leaseDuration),
    }
    const mayHold = yield* Ref.make(false)
    const lastRenewal = yield* Ref.make(0)
    const seenHolder = yield* Ref.make("")
    const setLeader = (leader: boolean) =>
      isLeader === undefined ? Effect.void : SubscriptionRef.set(isLeader, leader)
    const attempt = tryAcquireOrRenew(kube, lock, Ref.set(mayHold, true))

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
    const renew = Effect.flatMap(Ref.get(lastRenewal), (renewedAt) =>
      renewUntilLost(kube, lock, config, renewedAt),
    )
    const release = releaseLease(kube, lock, config.renewDeadline)

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
