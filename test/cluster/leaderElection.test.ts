import { expect, layer } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Ref } from "effect"
import {
  LeaseName,
  makeLeaderElectionConfig,
  withLeaderElection,
} from "../../src/controller/LeaderElection.ts"
import { leaseKey } from "../../src/controller/LeaseRecord.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import { eventually, LiveKubeClient, testNamespace } from "./support.ts"

// Short durations so that takeovers happen within seconds on the real clock.
const leaseDuration = Duration.seconds(2)
const retryPeriod = Duration.millis(300)

const config = (namespace: string, identity: string, releaseOnCancel = true) =>
  makeLeaderElectionConfig({
    namespace,
    identity,
    leaseDuration,
    renewDeadline: Duration.millis(1500),
    retryPeriod,
    releaseOnCancel,
  })

/** Starts a candidate whose `whileLeader` counts how many candidates lead at once. */
const candidate = (
  namespace: string,
  identity: string,
  shared: { readonly concurrent: Ref.Ref<number>; readonly maxConcurrent: Ref.Ref<number> },
  releaseOnCancel = true,
) =>
  Effect.gen(function* () {
    const leading = yield* Ref.make(false)
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
    // Scoped: the candidates stop before the test's namespace is deleted.
    const fiber = yield* Effect.forkScoped(
      withLeaderElection(config(namespace, identity, releaseOnCancel), whileLeader),
    )
    return { identity, leading, fiber }
  })

type Candidate = Effect.Effect.Success<ReturnType<typeof candidate>>

const counters = Effect.all({ concurrent: Ref.make(0), maxConcurrent: Ref.make(0) })

/** Waits until exactly one of the candidates leads and returns it with the other. */
const electedOf = (a: Candidate, b: Candidate) =>
  eventually(
    Effect.gen(function* () {
      const aLeads = yield* Ref.get(a.leading)
      const bLeads = yield* Ref.get(b.leading)
      if (aLeads === bLeads) return yield* Effect.fail("no single leader yet")
      return aLeads ? { leader: a, follower: b } : { leader: b, follower: a }
    }),
    Duration.seconds(10),
  )

const holderOf = (namespace: string) =>
  Effect.flatMap(KubeClient, (kube) => kube.get(leaseKey(namespace, LeaseName))).pipe(
    Effect.map((lease) => (lease.spec as { holderIdentity?: string }).holderIdentity),
  )

/** Milliseconds from `start` until `check` holds, polling. */
const timeUntil = (start: number, check: Effect.Effect<boolean>) =>
  Effect.gen(function* () {
    yield* eventually(
      Effect.flatMap(check, (ok) => (ok ? Effect.void : Effect.fail("not yet"))),
      Duration.seconds(10),
    )
    return (yield* Clock.currentTimeMillis) - start
  })

layer(LiveKubeClient, { excludeTestServices: true })(
  "leader election against the API server",
  (it) => {
    it.scoped("only one of two candidates leads; the lease names it", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("le-one")
        const shared = yield* counters
        const a = yield* candidate(ns, "a", shared)
        const b = yield* candidate(ns, "b", shared)
        const { leader, follower } = yield* electedOf(a, b)
        // Several renewals (and the follower's attempts) later, still the same single leader.
        yield* Effect.sleep(Duration.seconds(3))
        expect(yield* Ref.get(leader.leading)).toBe(true)
        expect(yield* Ref.get(follower.leading)).toBe(false)
        expect(yield* Ref.get(shared.maxConcurrent)).toBe(1)
        expect(yield* holderOf(ns)).toBe(leader.identity)
      }),
    )

    it.scoped(
      "when the leader dies without releasing, the other takes over after the lease expires",
      () =>
        Effect.gen(function* () {
          const ns = yield* testNamespace("le-crash")
          const shared = yield* counters
          const a = yield* candidate(ns, "a", shared, false)
          const b = yield* candidate(ns, "b", shared, false)
          const { leader, follower } = yield* electedOf(a, b)
          yield* Effect.sleep(Duration.seconds(1))
          const start = yield* Clock.currentTimeMillis
          yield* Fiber.interrupt(leader.fiber)
          expect(yield* holderOf(ns)).toBe(leader.identity)
          const took = yield* timeUntil(start, Ref.get(follower.leading))
          // The last renewal was at most one retry period before the crash: the follower waits out
          // (almost) the whole lease, then needs at most one jittered retry period and a request.
          expect(took).toBeGreaterThan(Duration.toMillis(leaseDuration) - 500)
          expect(took).toBeLessThan(Duration.toMillis(leaseDuration) + 1500)
          expect(yield* holderOf(ns)).toBe(follower.identity)
          expect(yield* Ref.get(shared.maxConcurrent)).toBe(1)
        }),
    )

    it.scoped("a graceful shutdown releases the lease and hands over promptly", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("le-release")
        const shared = yield* counters
        const a = yield* candidate(ns, "a", shared)
        const b = yield* candidate(ns, "b", shared)
        const { leader, follower } = yield* electedOf(a, b)
        yield* Effect.sleep(Duration.seconds(1))
        const start = yield* Clock.currentTimeMillis
        yield* Fiber.interrupt(leader.fiber)
        const took = yield* timeUntil(start, Ref.get(follower.leading))
        // Well before the 2s lease would have expired: one retry period plus requests.
        expect(took).toBeLessThan(1500)
        const kube = yield* KubeClient
        const lease = yield* kube.get(leaseKey(ns, LeaseName))
        expect(lease.spec).toMatchObject({
          holderIdentity: follower.identity,
          leaseDurationSeconds: 2,
          leaseTransitions: 1,
        })
        expect(yield* Ref.get(shared.maxConcurrent)).toBe(1)
      }),
    )
  },
)
