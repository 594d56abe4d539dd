import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Option, Ref, SubscriptionRef, TestClock } from "effect"
import {
  type InMemoryDriverApi,
  makeKubeClientInMemory,
} from "../../../layers/KubeClient.inMemory.ts"
import {
  type LeaderElectionConfig,
  LeaseName,
  LostLease,
  makeLeaderElectionConfig,
  withLeaderElection,
} from "../../../src/controller/LeaderElection.ts"
import { formatMicroTime, leaseKey, parseMicroTime } from "../../../src/controller/LeaseRecord.ts"
import { KubeClient, type KubeClientApi } from "../../../src/kube/KubeClient.ts"

const key = leaseKey("ops", LeaseName)

const setup = Effect.gen(function* () {
  const cluster = yield* makeKubeClientInMemory()
  yield* cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ops" } })
  return cluster
})

const config = (identity: string, overrides: Partial<LeaderElectionConfig> = {}) =>
  makeLeaderElectionConfig({ namespace: "ops", identity, ...overrides })

const leaseSpec = (driver: InMemoryDriverApi) =>
  Effect.map(driver.getObject(key), (lease) =>
    Option.match(lease, {
      onNone: () => undefined,
      onSome: (l) => l.spec as Record<string, unknown>,
    }),
  )

/** Lets forked fibers run the requests they can make without time passing. */
const settle = TestClock.adjust(Duration.millis(1))

/** Advances the clock in small steps, so each candidate's sleeps fire in order. */
const advance = (seconds: number) =>
  Effect.repeatN(TestClock.adjust(Duration.millis(250)), seconds * 4 - 1)

/**
 * A candidate whose `whileLeader` records that it runs: `leading` says whether it runs now,
 * `concurrent` counts leaders across candidates, `maxConcurrent` the most seen at once.
 */
const candidate = (
  client: KubeClientApi,
  electionConfig: LeaderElectionConfig,
  shared: { readonly concurrent: Ref.Ref<number>; readonly maxConcurrent: Ref.Ref<number> },
) =>
  Effect.gen(function* () {
    const leading = yield* Ref.make(false)
    const isLeader = yield* SubscriptionRef.make(false)
    const whileLeader = Effect.gen(function* () {
      yield* Ref.set(leading, true)
      const now = yield* Ref.updateAndGet(shared.concurrent, (n) => n + 1)
      yield* Ref.update(shared.maxConcurrent, (max) => Math.max(max, now))
      return yield* Effect.never
    }).pipe(
      Effect.ensuring(
        Ref.set(leading, false).pipe(Effect.zipRight(Ref.update(shared.concurrent, (n) => n - 1))),
      ),
    )
    const fiber = yield* Effect.fork(
      withLeaderElection(electionConfig, whileLeader, isLeader).pipe(
        Effect.provideService(KubeClient, client),
      ),
    )
    return { leading, isLeader, fiber }
  })

const counters = Effect.all({ concurrent: Ref.make(0), maxConcurrent: Ref.make(0) })

describe("withLeaderElection", () => {
  it.effect("a single candidate acquires the lease, runs whileLeader and renews", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const a = yield* candidate(client, config("a"), yield* counters)
      yield* settle
      expect(yield* Ref.get(a.leading)).toBe(true)
      expect(yield* SubscriptionRef.get(a.isLeader)).toBe(true)
      const spec = yield* leaseSpec(driver)
      expect(spec).toEqual({
        holderIdentity: "a",
        leaseDurationSeconds: 15,
        acquireTime: "1970-01-01T00:00:00.000000Z",
        renewTime: "1970-01-01T00:00:00.000000Z",
        leaseTransitions: 0,
      })
      yield* advance(2)
      expect((yield* leaseSpec(driver))?.renewTime).toBe(formatMicroTime(2000))
      yield* advance(20)
      const later = yield* leaseSpec(driver)
      expect(later?.renewTime).toBe(formatMicroTime(22000))
      expect(later?.acquireTime).toBe("1970-01-01T00:00:00.000000Z")
      expect(later?.leaseTransitions).toBe(0)
    }),
  )

  it.effect("a second candidate waits while the first renews", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const shared = yield* counters
      const a = yield* candidate(client, config("a"), shared)
      yield* settle
      const b = yield* candidate(client, config("b"), shared)
      yield* advance(60)
      expect(yield* Ref.get(a.leading)).toBe(true)
      expect(yield* Ref.get(b.leading)).toBe(false)
      expect(yield* SubscriptionRef.get(b.isLeader)).toBe(false)
      expect((yield* leaseSpec(driver))?.holderIdentity).toBe("a")
      expect(yield* Ref.get(shared.maxConcurrent)).toBe(1)
    }),
  )

  it.effect("after a crash (no release) the second takes over once the lease expires", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const shared = yield* counters
      const a = yield* candidate(client, config("a", { releaseOnCancel: false }), shared)
      yield* settle
      const b = yield* candidate(client, config("b"), shared)
      yield* advance(10)
      const lastRenewal = (yield* leaseSpec(driver))?.renewTime
      expect(lastRenewal).toBe(formatMicroTime(10000))
      yield* Fiber.interrupt(a.fiber)
      expect((yield* leaseSpec(driver))?.holderIdentity).toBe("a")
      // Valid until 10s + 15s: b must still wait at 24s ...
      yield* advance(14)
      expect(yield* Ref.get(b.leading)).toBe(false)
      // ... and takes over within one (jittered) retry period after expiry.
      yield* advance(4)
      expect(yield* Ref.get(b.leading)).toBe(true)
      const spec = yield* leaseSpec(driver)
      expect(spec?.holderIdentity).toBe("b")
      expect(spec?.leaseTransitions).toBe(1)
      // Acquired after the expiry at 25s, within one jittered retry period of it.
      const acquired = Option.getOrThrow(parseMicroTime(spec?.acquireTime))
      expect(acquired).toBeGreaterThan(25_000)
      expect(acquired).toBeLessThanOrEqual(25_000 + 2_400)
      expect(yield* Ref.get(shared.maxConcurrent)).toBe(1)
    }),
  )

  it.effect("interruption releases the lease, so the second takes over at once", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const shared = yield* counters
      const a = yield* candidate(client, config("a"), shared)
      yield* settle
      const b = yield* candidate(client, config("b"), shared)
      yield* advance(5)
      yield* Fiber.interrupt(a.fiber)
      expect(yield* Ref.get(a.leading)).toBe(false)
      expect(yield* SubscriptionRef.get(a.isLeader)).toBe(false)
      const released = yield* leaseSpec(driver)
      expect(released?.holderIdentity).toBeUndefined()
      expect(released?.leaseDurationSeconds).toBe(1)
      expect(released?.leaseTransitions).toBe(0)
      yield* advance(3)
      expect(yield* Ref.get(b.leading)).toBe(true)
      const spec = yield* leaseSpec(driver)
      expect(spec?.holderIdentity).toBe("b")
      expect(spec?.leaseTransitions).toBe(1)
      expect(spec?.leaseDurationSeconds).toBe(15)
    }),
  )

  it.effect("when whileLeader ends, its result is returned and the lease released", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const ok = yield* withLeaderElection(config("a"), Effect.succeed(42)).pipe(
        Effect.provideService(KubeClient, client),
      )
      expect(ok).toBe(42)
      expect((yield* leaseSpec(driver))?.holderIdentity).toBeUndefined()
      const failed = yield* withLeaderElection(config("b"), Effect.fail("boom" as const)).pipe(
        Effect.provideService(KubeClient, client),
        Effect.flip,
      )
      expect(failed).toBe("boom")
      const spec = yield* leaseSpec(driver)
      expect(spec?.holderIdentity).toBeUndefined()
      expect(spec?.leaseTransitions).toBe(1)
    }),
  )

  it.effect("racing candidates never both lead: the loser of a write gets 409", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      // Every call waits 100ms first: both candidates read the same state, then both write.
      yield* driver.latency(Duration.millis(100))
      const shared = yield* counters
      const cs = yield* Effect.all(
        ["a", "b", "c"].map((id) => candidate(client, config(id), shared)),
      )
      yield* advance(30)
      expect(yield* Ref.get(shared.maxConcurrent)).toBe(1)
      const conflicts = (yield* driver.requestLog).filter(
        (r) => r.kind === "Lease" && r.outcome === "KubeConflict",
      )
      expect(conflicts.length).toBeGreaterThanOrEqual(2)
      const leaders = yield* Effect.filter(cs, (c) => Ref.get(c.leading))
      expect(leaders).toHaveLength(1)
      // The candidates release on interruption when the test ends; the clock stands still then.
      yield* driver.latency(Duration.zero)
    }),
  )

  it.effect("racing for an expired lease: one update wins, the others get 409", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* client.create({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: LeaseName, namespace: "ops" },
        spec: {
          holderIdentity: "ghost",
          leaseDurationSeconds: 15,
          renewTime: formatMicroTime(0),
          leaseTransitions: 4,
        },
      })
      yield* TestClock.adjust(Duration.seconds(20))
      yield* driver.latency(Duration.millis(100))
      const shared = yield* counters
      yield* Effect.all(["a", "b"].map((id) => candidate(client, config(id), shared)))
      yield* advance(1)
      const updates = (yield* driver.requestLog).filter(
        (r) => r.kind === "Lease" && r.verb === "update",
      )
      expect(updates.map((r) => r.outcome).sort()).toEqual(["KubeConflict", "ok"])
      expect(yield* Ref.get(shared.maxConcurrent)).toBe(1)
      expect((yield* leaseSpec(driver))?.leaseTransitions).toBe(5)
      yield* driver.latency(Duration.zero)
    }),
  )

  it.effect(
    "failed renewals interrupt whileLeader at renewDeadline, before the lease expires",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        const shared = yield* counters
        const a = yield* candidate(client.impersonate("pod-a"), config("a"), shared)
        yield* settle
        const b = yield* candidate(client, config("b"), shared)
        yield* advance(4)
        // From now on every request of pod-a fails: its last renewal stays at 4s.
        yield* driver.denyIdentity("pod-a")
        yield* advance(9)
        expect(yield* Ref.get(a.leading)).toBe(true)
        yield* advance(2)
        // 4s + renewDeadline 10s has passed: a stopped leading and failed with LostLease.
        expect(yield* Ref.get(a.leading)).toBe(false)
        expect(yield* SubscriptionRef.get(a.isLeader)).toBe(false)
        const exit = yield* Fiber.await(a.fiber)
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(exit.cause.toString()).toContain("could not renew")
        expect(yield* Ref.get(b.leading)).toBe(false)
        // The lease (renewed at 4s, 15s long) expires at 19s; b takes over after that.
        yield* advance(7)
        expect(yield* Ref.get(b.leading)).toBe(true)
        expect(yield* Ref.get(shared.maxConcurrent)).toBe(1)
      }),
  )

  it.effect("seeing another holder on renewal ends leadership at once", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const a = yield* candidate(client, config("a"), yield* counters)
      yield* settle
      const lease = Option.getOrThrow(yield* driver.getObject(key))
      yield* client.update({
        ...lease,
        spec: { ...(lease.spec as object), holderIdentity: "intruder" },
      })
      yield* advance(3)
      expect(yield* Ref.get(a.leading)).toBe(false)
      const error = yield* Effect.flip(Fiber.join(a.fiber))
      expect(error).toBeInstanceOf(LostLease)
      expect(error).toMatchObject({ reason: "the lease is held by intruder" })
      // Losing is not a release: the intruder's lease is left alone.
      expect((yield* leaseSpec(driver))?.holderIdentity).toBe("intruder")
    }),
  )

  it.effect("an invalid configuration is a defect", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const exit = yield* withLeaderElection(
        config("a", { renewDeadline: Duration.seconds(20) }),
        Effect.void,
      ).pipe(Effect.provideService(KubeClient, client), Effect.exit)
      expect(Exit.isFailure(exit) && exit.cause.toString()).toContain(
        "leaseDuration must be greater than renewDeadline",
      )
    }),
  )
})
