import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Option, Ref, TestClock } from "effect"
import {
  type InMemoryDriverApi,
  makeKubeClientInMemory,
} from "../../../layers/KubeClient.inMemory.ts"
import { leaseKey } from "../../../src/controller/LeaseRecord.ts"
import {
  makeShardLeasesConfig,
  type ShardLeasesConfig,
  shardLeaseName,
  withShardLeases,
} from "../../../src/controller/ShardLeases.ts"
import { ShardOwnership, type ShardOwnershipApi } from "../../../src/controller/ShardOwnership.ts"
import { stageSetShard } from "../../../src/controller/shardAssignment.ts"
import { KubeClient, type KubeClientApi } from "../../../src/kube/KubeClient.ts"

const SHARDS = 4

const setup = Effect.gen(function* () {
  const cluster = yield* makeKubeClientInMemory()
  yield* cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ops" } })
  return cluster
})

const config = (identity: string, overrides: Partial<ShardLeasesConfig> = {}) =>
  makeShardLeasesConfig({ shards: SHARDS, namespace: "ops", identity, ...overrides })

/** One StageSet key per shard: keyOf[k] hashes to shard k. */
const keyOf: ReadonlyArray<string> = Array.from({ length: SHARDS }, (_, shard) => {
  for (let i = 0; ; i++)
    if (stageSetShard(`team/app-${i}`, SHARDS) === shard) return `team/app-${i}`
})

const holderOf = (driver: InMemoryDriverApi, shard: number) =>
  Effect.map(driver.getObject(leaseKey("ops", shardLeaseName(shard))), (lease) =>
    Option.match(lease, {
      onNone: () => undefined,
      onSome: (l) => l.spec as Record<string, unknown>,
    }),
  )

/** Lets forked fibers run the requests they can make without time passing. */
const settle = TestClock.adjust(Duration.millis(1))

/**
 * Advances the clock in 250ms steps, checking after each that no shard is owned by two
 * replicas at once (the invariant every test keeps).
 */
const advance = (seconds: number, replicas: ReadonlyArray<Replica> = []) =>
  Effect.repeatN(
    Effect.zipRight(TestClock.adjust(Duration.millis(250)), noOverlap(replicas)),
    seconds * 4 - 1,
  )

const noOverlap = (replicas: ReadonlyArray<Replica>) =>
  Effect.forEach(keyOf, (key) =>
    Effect.map(
      Effect.forEach(replicas, (r) => r.ownership.owns(key)),
      (owners) => expect(owners.filter(Boolean).length).toBeLessThanOrEqual(1),
    ),
  )

interface Replica {
  readonly ownership: ShardOwnershipApi
  readonly fiber: Fiber.RuntimeFiber<never, never>
  /** The shards whose key this replica owns now. */
  readonly owned: Effect.Effect<ReadonlyArray<number>>
}

/** A replica: withShardLeases around a body that hands out its ownership and runs forever. */
const replica = (client: KubeClientApi, shardConfig: ShardLeasesConfig) =>
  Effect.gen(function* () {
    const handed = yield* Deferred.make<ShardOwnershipApi>()
    const fiber = yield* Effect.fork(
      withShardLeases(
        shardConfig,
        Effect.flatMap(ShardOwnership, (o) => Deferred.succeed(handed, o)).pipe(
          Effect.zipRight(Effect.never),
        ),
      ).pipe(Effect.provideService(KubeClient, client)),
    )
    const ownership = yield* Deferred.await(handed)
    const owned = Effect.filter(
      keyOf.map((_, k) => k),
      (k) => ownership.owns(keyOf[k] as string),
    )
    return { ownership, fiber, owned } satisfies Replica
  })

describe("withShardLeases", () => {
  it.effect("a replica alone takes the shard Leases one per round until it holds them all", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const a = yield* replica(client, config("a"))
      yield* settle
      expect((yield* a.owned).length).toBe(1)
      // Three more rounds of at most 2.4s (jittered 2s) each.
      yield* advance(8)
      expect(yield* a.owned).toEqual([0, 1, 2, 3])
      for (let k = 0; k < SHARDS; k++)
        expect(yield* holderOf(driver, k)).toMatchObject({
          holderIdentity: "a",
          leaseDurationSeconds: 15,
        })
      // Each is renewed every retry period, like the leader Lease.
      const before = yield* Effect.forEach([0, 1, 2, 3], (k) => holderOf(driver, k))
      yield* advance(10)
      const after = yield* Effect.forEach([0, 1, 2, 3], (k) => holderOf(driver, k))
      for (let k = 0; k < SHARDS; k++) expect(after[k]?.renewTime).not.toBe(before[k]?.renewTime)
      expect(yield* a.owned).toEqual([0, 1, 2, 3])
    }),
  )

  it.effect("two replicas starting together split the shards, never holding one twice", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      // Every call waits 100ms: both read the same free Leases, then race for them.
      yield* driver.latency(Duration.millis(100))
      const a = yield* replica(client, config("a"))
      const b = yield* replica(client, config("b"))
      yield* advance(20, [a, b])
      const ownedA = yield* a.owned
      const ownedB = yield* b.owned
      expect([...ownedA, ...ownedB].sort()).toEqual([0, 1, 2, 3])
      // One free shard per round: each sees the other after its first and stops at ceil(4 / 2).
      expect(ownedA).toHaveLength(2)
      expect(ownedB).toHaveLength(2)
      for (let k = 0; k < SHARDS; k++)
        expect([ownedA.includes(k) ? "a" : "b"]).toContain(
          (yield* holderOf(driver, k))?.holderIdentity,
        )
      yield* driver.latency(Duration.zero)
    }),
  )

  it.effect("a replica that joins later waits: held shards are not taken from a live holder", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const a = yield* replica(client, config("a"))
      yield* advance(10)
      const b = yield* replica(client, config("b"))
      yield* advance(60, [a, b])
      expect(yield* a.owned).toEqual([0, 1, 2, 3])
      expect(yield* b.owned).toEqual([])
      expect(yield* b.ownership.guard(keyOf[0] as string, Effect.succeed("ran"))).toEqual(
        Option.none(),
      )
    }),
  )

  it.effect(
    "failed renewals drop the shards and interrupt their reconciles before the Leases expire",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        const a = yield* replica(client.impersonate("pod-a"), config("a"))
        yield* advance(10)
        expect(yield* a.owned).toEqual([0, 1, 2, 3])
        const b = yield* replica(client, config("b"))
        // A reconcile of shard 0 that runs until interrupted.
        const interrupted = yield* Ref.make(false)
        const run = yield* Effect.fork(
          a.ownership.guard(
            keyOf[0] as string,
            Effect.never.pipe(Effect.onInterrupt(() => Ref.set(interrupted, true))),
          ),
        )
        yield* settle
        // From now on pod-a's Lease writes fail (reads still work). Each shard was last
        // renewed within the retry period before: between 8s and 10s.
        yield* driver.denyIdentity("pod-a", ["update", "create"])
        yield* advance(7.5, [a, b])
        expect(yield* a.owned).toEqual([0, 1, 2, 3])
        expect(yield* Ref.get(interrupted)).toBe(false)
        // Past last renewal + renewDeadline (10s): every shard dropped, the run interrupted.
        yield* advance(3, [a, b])
        expect(yield* a.owned).toEqual([])
        expect(yield* Ref.get(interrupted)).toBe(true)
        expect(yield* Fiber.join(run)).toEqual(Option.none())
        // The Leases (15s long) are a's until 23s at the earliest: b waits ...
        yield* advance(2, [a, b])
        expect(yield* b.owned).toEqual([])
        // ... and takes them all at once when they expire (by 25s), within a retry period.
        yield* advance(5.5, [a, b])
        expect(yield* b.owned).toEqual([0, 1, 2, 3])
        expect(yield* a.owned).toEqual([])
        // a keeps running, waiting for a free shard; its Lease writes still fail.
        expect(a.fiber.unsafePoll()).toBeNull()
      }),
  )

  it.effect("a graceful shutdown releases every held Lease, so the other takes over at once", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const a = yield* replica(client, config("a"))
      yield* settle
      const b = yield* replica(client, config("b"))
      yield* advance(5, [a, b])
      expect(yield* a.owned).toHaveLength(2)
      yield* Fiber.interrupt(a.fiber)
      for (let k = 0; k < SHARDS; k++) {
        const spec = yield* holderOf(driver, k)
        if (spec?.holderIdentity === "b") continue
        expect(spec?.holderIdentity).toBeUndefined()
        expect(spec?.leaseDurationSeconds).toBe(1)
      }
      // Well before a's 15s Leases would have expired: released shards are free, taken one
      // per round, so a's two take two rounds.
      yield* advance(5, [b])
      expect(yield* b.owned).toEqual([0, 1, 2, 3])
      const transitions = yield* Effect.forEach([0, 1, 2, 3], (k) => holderOf(driver, k))
      // a's two were taken over once (a to b); b's own two never changed hands.
      expect(transitions.map((t) => t?.leaseTransitions).sort()).toEqual([0, 0, 1, 1])
    }),
  )

  it.effect("after a crash (no release) the other replica takes the shards once they expire", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const a = yield* replica(client, config("a", { releaseOnCancel: false }))
      yield* advance(10)
      const b = yield* replica(client, config("b"))
      yield* advance(10, [a, b])
      expect(yield* b.owned).toEqual([])
      yield* Fiber.interrupt(a.fiber)
      expect((yield* holderOf(driver, 2))?.holderIdentity).toBe("a")
      // Renewed between 18s and 20s, valid until 33s at the earliest and 35s at the latest.
      yield* advance(12.5, [b])
      expect(yield* b.owned).toEqual([])
      yield* advance(5, [b])
      expect(yield* b.owned).toEqual([0, 1, 2, 3])
      expect((yield* holderOf(driver, 2))?.holderIdentity).toBe("b")
    }),
  )

  it.effect("an invalid configuration is a defect", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const exit = yield* withShardLeases(config("a", { shards: 0 }), Effect.void).pipe(
        Effect.provideService(KubeClient, client),
        Effect.exit,
      )
      expect(Exit.isFailure(exit) && exit.cause.toString()).toContain("shards must be")
    }),
  )
})
