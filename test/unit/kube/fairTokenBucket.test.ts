import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref, TestClock } from "effect"
import { makeFairTokenBucket } from "../../../src/kube/fairTokenBucket.ts"
import { withRequestOwner } from "../../../src/kube/RequestOwner.ts"

// The flag defaults: a bucket of 100 tokens refilled at 50 per second (one every 20 ms).
// (Each TestClock step inspects every fiber, so the 1 000 waiting requests make the first
// test take seconds; it stops the clock 5 s in rather than waiting for all of them.)
const LIMITS = { qps: 50, burst: 100 }
const settle = Effect.repeatN(Effect.yieldNow(), 200)

/** A bucket and the log of whose requests were granted, in order. */
const setUp = (limits = LIMITS) =>
  Effect.gen(function* () {
    const bucket = yield* makeFairTokenBucket(limits)
    const granted = yield* Ref.make<ReadonlyArray<string>>([])
    /** `count` requests of `owner`, all waiting at once (a stage's apply fan-out). */
    const requests = (owner: string, count: number) =>
      Effect.forEach(
        Array.from({ length: count }),
        () => bucket(Ref.update(granted, (log) => [...log, owner])),
        { concurrency: "unbounded", discard: true },
      ).pipe(withRequestOwner(owner), Effect.fork)
    return { requests, granted: Ref.get(granted) }
  })

describe("the fair token bucket", () => {
  it.scoped("serves a small StageSet beside a big one at once, from the reserve", () =>
    Effect.gen(function* () {
      const { requests, granted } = yield* setUp()
      yield* requests("ns/big", 1000)
      yield* settle
      // The burst goes to the big one at once; then a pause while the reserve refills, and
      // 50 a second (TokenLedger.test.ts has the policy in detail).
      expect((yield* granted).length).toBe(100)
      yield* TestClock.adjust("4 seconds")
      expect((yield* granted).length).toBe(250)

      const small = yield* requests("ns/small", 10)
      yield* settle
      // Without the clock moving: all 10 of the small one's requests were granted.
      expect((yield* Fiber.poll(small))._tag).toBe("Some")
      expect((yield* granted).slice(250)).toEqual(Array.from({ length: 10 }, () => "ns/small"))
      yield* TestClock.adjust("1 second")
      // The total rate stays the configured one: the big one resumes once the reserve is
      // back (10 tokens, 0.2 s), and nobody got more than the bucket held.
      const log = yield* granted
      expect(log.length).toBeLessThanOrEqual(100 + 50 * 5)
      expect(log.filter((o) => o === "ns/big").length).toBeGreaterThanOrEqual(250 + 50 - 11)
    }),
  )

  it.scoped("takes turns among every owner waiting, the controller's own requests included", () =>
    Effect.gen(function* () {
      const { requests, granted } = yield* setUp({ qps: 10, burst: 1 })
      yield* requests("a/one", 6)
      yield* settle
      yield* requests("b/two", 3)
      yield* requests("", 3)
      yield* settle
      yield* TestClock.adjust("2 seconds")
      // One token at once (a/one's first), then one per 100 ms, round-robin among the waiting.
      expect(yield* granted).toEqual([
        "a/one",
        "a/one",
        "b/two",
        "",
        "a/one",
        "b/two",
        "",
        "a/one",
        "b/two",
        "",
        "a/one",
        "a/one",
      ])
    }),
  )

  it.scoped("gives a request that gave up waiting no token and keeps serving the others", () =>
    Effect.gen(function* () {
      const { requests, granted } = yield* setUp({ qps: 1, burst: 1 })
      yield* requests("a/first", 1)
      yield* settle
      const impatient = yield* requests("b/impatient", 3)
      yield* requests("c/patient", 2)
      yield* settle
      yield* Fiber.interrupt(impatient)
      yield* TestClock.adjust("2 seconds")
      // The tokens of seconds 1 and 2 go to the one still waiting.
      expect(yield* granted).toEqual(["a/first", "c/patient", "c/patient"])
    }),
  )
})
