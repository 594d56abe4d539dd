import {
  Cause,
  Clock,
  Deferred,
  Duration,
  Effect,
  Exit,
  FiberMap,
  HashMap,
  Option,
  Schedule,
  Scope,
  Stream,
  SubscriptionRef,
} from "effect"
import { KubeClient, type KubeClientApi } from "../kube/KubeClient.ts"
import {
  durationSecondsOf,
  type LeaseLock,
  type LeaseTiming,
  leaseTimingProblem,
  releaseLease,
  renewUntilLost,
  tryAcquireOrRenew,
} from "./LeaseLock.ts"
import { heldByOther, type LeaseRecord, leaseKey, readLeaseRecord } from "./LeaseRecord.ts"
import { ShardOwnership, type ShardOwnershipApi } from "./ShardOwnership.ts"
import {
  acquireOrder,
  type ShardLeaseState,
  shardsToTake,
  stageSetShard,
} from "./shardAssignment.ts"

/** The Lease of shard `k` (api.md, `--shards`). */
export const shardLeaseName = (shard: number): string =>
  `stageset-controller-shard-${shard}.stages.metio.wtf`

export interface ShardLeasesConfig extends LeaseTiming {
  /** `--shards`. */
  readonly shards: number
  /** Where the Leases live: the controller's own namespace. */
  readonly namespace: string
  /** Unique per process (see `leaderIdentity`). */
  readonly identity: string
  /** Clear held Leases on shutdown, so other replicas take the shards over at once. */
  readonly releaseOnCancel: boolean
}

/** The leader election's timing (controller-runtime's defaults): 15s lease, 10s renew deadline, 2s retry. */
export const makeShardLeasesConfig = (
  options: Pick<ShardLeasesConfig, "shards" | "namespace" | "identity"> &
    Partial<ShardLeasesConfig>,
): ShardLeasesConfig => ({
  leaseDuration: Duration.seconds(15),
  renewDeadline: Duration.seconds(10),
  retryPeriod: Duration.seconds(2),
  releaseOnCancel: true,
  ...options,
})

/** A held shard: completed when it is lost or given up, which interrupts its reconciles. */
type Lost = Deferred.Deferred<void>

/**
 * Runs `body` with a ShardOwnership backed by one Lease per shard.
 *
 * Every retryPeriod (jittered) the replica reads the shard Leases, counts the other replicas
 * that hold an unexpired one, and tries to take shards until it holds its fair share
 * (`shardsToTake`: abandoned ones at once, free ones one per round). Each held shard is renewed by
 * its own fiber as leader election renews its Lease; when renewal fails until renewDeadline
 * (shorter than the lease duration) or shows another holder, the shard is dropped at once:
 * `owns` answers false and guarded reconciles of it are interrupted, all before another
 * replica may take the Lease. A dropped shard is tried again like any free one.
 *
 * On interruption (SIGTERM) `body` stops first; then every held shard is dropped and its
 * Lease released (releaseOnCancel), so the other replicas take over within a retry period.
 */
export const withShardLeases = <A, E, R>(
  config: ShardLeasesConfig,
  body: Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R | KubeClient> =>
  Effect.gen(function* () {
    const problem = Option.orElse(leaseTimingProblem(config.identity, config), () =>
      Number.isInteger(config.shards) && config.shards >= 1
        ? Option.none()
        : Option.some("shards must be an integer >= 1"),
    )
    if (Option.isSome(problem))
      return yield* Effect.dieMessage(`invalid shard lease config: ${problem.value}`)
    const kube = yield* KubeClient
    const held = yield* SubscriptionRef.make(HashMap.empty<number, Lost>())

    const ownership: ShardOwnershipApi = {
      shards: config.shards,
      owns: (key) =>
        Effect.map(SubscriptionRef.get(held), HashMap.has(stageSetShard(key, config.shards))),
      guard: (key, effect) =>
        Effect.flatMap(SubscriptionRef.get(held), (shards) =>
          Option.match(HashMap.get(shards, stageSetShard(key, config.shards)), {
            onNone: () => Effect.succeedNone,
            // The race interrupts the loser and awaits it: when the guard returns, the
            // reconcile of a lost shard has stopped.
            onSome: (lost) =>
              Effect.raceFirst(
                Effect.asSome(effect),
                Effect.as(Deferred.await(lost), Option.none()),
              ),
          }),
        ),
      held: held.changes.pipe(Stream.map((shards) => new Set(HashMap.keys(shards)))),
    }

    return yield* Effect.acquireUseRelease(
      Scope.make(),
      (scope) =>
        Effect.gen(function* () {
          const holders = yield* Scope.extend(FiberMap.make<number>(), scope)
          yield* Effect.forkIn(acquireLoop(kube, config, held, holders), scope)
          return yield* Effect.provideService(body, ShardOwnership, ownership)
        }),
      // `body` has ended here; closing the scope interrupts the holders, which release.
      (scope, exit) => Scope.close(scope, exit),
    ).pipe(Effect.annotateLogs({ identity: config.identity }))
  })

const lockOf = (config: ShardLeasesConfig, shard: number): LeaseLock => ({
  namespace: config.namespace,
  name: shardLeaseName(shard),
  identity: config.identity,
  durationSeconds: durationSecondsOf(config.leaseDuration),
})

/** Keeps taking free shards up to the fair share, every retryPeriod, until interrupted. */
const acquireLoop = (
  kube: KubeClientApi,
  config: ShardLeasesConfig,
  held: SubscriptionRef.SubscriptionRef<HashMap.HashMap<number, Lost>>,
  holders: FiberMap.FiberMap<number>,
) => {
  const order = acquireOrder(config.identity, config.shards)
  const readShard = (shard: number) => {
    const lock = lockOf(config, shard)
    return kube.get(leaseKey(lock.namespace, lock.name)).pipe(
      Effect.map((lease) => Option.some(readLeaseRecord(lease, lock.durationSeconds))),
      Effect.catchTag("KubeNotFound", () => Effect.succeed(Option.none<LeaseRecord>())),
      // An unreadable Lease is neither free nor counted this round.
      Effect.option,
    )
  }
  const take = (shard: number) =>
    tryAcquireOrRenew(kube, lockOf(config, shard)).pipe(
      Effect.flatMap((result) =>
        result._tag === "Held"
          ? hold(kube, config, held, holders, shard, result.renewedAt)
          : Effect.void,
      ),
      Effect.catchAll((error) =>
        error._tag === "KubeConflict"
          ? Effect.logDebug(`another replica wrote shard lease ${shard} first`)
          : Effect.logWarning(`could not acquire shard lease ${shard}`, error),
      ),
    )
  const round = Effect.gen(function* () {
    const leases = yield* Effect.forEach(order, readShard, { concurrency: "unbounded" })
    const now = yield* Clock.currentTimeMillis
    const states = new Map<number, ShardLeaseState>()
    leases.forEach((lease, i) => {
      const state: ShardLeaseState = Option.match(lease, {
        onNone: () => ({ _tag: "Unknown" }),
        onSome: Option.match({
          onNone: () => ({ _tag: "Free" }),
          onSome: (record) =>
            heldByOther(record, config.identity, now)
              ? { _tag: "Held", holder: record.holderIdentity }
              : record.holderIdentity === ""
                ? { _tag: "Free" }
                : { _tag: "Abandoned" },
        }),
      })
      states.set(order[i] as number, state)
    })
    const mine = new Set(HashMap.keys(yield* SubscriptionRef.get(held)))
    yield* Effect.forEach(shardsToTake(config.shards, order, states, mine), take, {
      discard: true,
    })
  })
  return round.pipe(
    // A hanging request must not stall the loop; the next round reads the Leases afresh.
    Effect.timeout(config.renewDeadline),
    Effect.catchAll((error) => Effect.logWarning("could not read the shard leases", error)),
    Effect.repeat(Schedule.jittered(Schedule.spaced(config.retryPeriod))),
  )
}

/**
 * Marks `shard` held and forks its renewer. The renewer drops the shard when it ends, however
 * it ends (lost, or interrupted at shutdown), and only then, on shutdown, releases the Lease.
 */
const hold = (
  kube: KubeClientApi,
  config: ShardLeasesConfig,
  held: SubscriptionRef.SubscriptionRef<HashMap.HashMap<number, Lost>>,
  holders: FiberMap.FiberMap<number>,
  shard: number,
  renewedAt: number,
) =>
  Effect.gen(function* () {
    const lost = yield* Deferred.make<void>()
    const lock = lockOf(config, shard)
    const drop = SubscriptionRef.update(held, HashMap.remove(shard)).pipe(
      Effect.zipRight(Deferred.succeed(lost, undefined)),
    )
    const renewer = renewUntilLost(kube, lock, config, renewedAt).pipe(
      Effect.onExit((exit) =>
        Effect.zipRight(
          drop,
          Exit.match(exit, {
            onSuccess: () => Effect.void,
            onFailure: (cause) =>
              Option.match(Cause.failureOption(cause), {
                onSome: (error) => Effect.logError(`dropped shard ${shard}: ${error.reason}`),
                // Interrupted: shutdown. Release so others need not wait for expiry.
                onNone: () =>
                  config.releaseOnCancel
                    ? releaseLease(kube, lock, config.renewDeadline)
                    : Effect.void,
              }),
          }),
        ),
      ),
      Effect.annotateLogs({ shard }),
    )
    yield* SubscriptionRef.update(held, HashMap.set(shard, lost))
    yield* FiberMap.run(holders, shard, renewer)
    yield* Effect.log(`acquired shard ${shard}`).pipe(Effect.annotateLogs({ shard }))
  })
