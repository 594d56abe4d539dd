import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Metric, Ref, TestClock } from "effect"
import { queueDepth } from "../../../src/controller/metrics.ts"
import { backoffDelay, makeWorkQueue } from "../../../src/controller/WorkQueue.ts"

const options = { backoffBase: Duration.seconds(1), backoffMax: Duration.seconds(10) }

describe("WorkQueue", () => {
  it.scoped("a key added twice is processed once", () =>
    Effect.gen(function* () {
      const queue = yield* makeWorkQueue(options)
      yield* queue.add("ns/a")
      yield* queue.add("ns/b")
      yield* queue.add("ns/a")
      expect(yield* queue.length).toBe(2)
      expect((yield* Metric.value(queueDepth)).value).toBe(2)
      expect(yield* queue.take).toBe("ns/a")
      expect(yield* queue.take).toBe("ns/b")
      expect(yield* queue.length).toBe(0)
      expect((yield* Metric.value(queueDepth)).value).toBe(0)
    }),
  )

  it.scoped("a key re-added while in flight waits for done, then comes back once", () =>
    Effect.gen(function* () {
      const queue = yield* makeWorkQueue(options)
      yield* queue.add("ns/a")
      expect(yield* queue.take).toBe("ns/a")
      yield* queue.add("ns/a")
      yield* queue.add("ns/a")
      // Not takeable while in flight: a second worker must not get it.
      expect(yield* queue.length).toBe(0)
      const second = yield* Effect.fork(queue.take)
      yield* Effect.yieldNow()
      expect(second.unsafePoll()).toBeNull()
      yield* queue.done("ns/a")
      expect(yield* Fiber.join(second)).toBe("ns/a")
      yield* queue.done("ns/a")
      expect(yield* queue.length).toBe(0)
    }),
  )

  it.scoped("workers never process one key concurrently", () =>
    Effect.gen(function* () {
      const queue = yield* makeWorkQueue(options)
      const inFlight = yield* Ref.make(new Map<string, number>())
      const processed = yield* Ref.make(0)
      let overlap = false
      const worker = Effect.flatMap(queue.take, (key) =>
        Effect.gen(function* () {
          const now = yield* Ref.modify(inFlight, (m) => {
            const n = (m.get(key) ?? 0) + 1
            return [n, new Map(m).set(key, n)]
          })
          if (now > 1) overlap = true
          // Re-adding itself while running must defer, not duplicate.
          yield* queue.add(key)
          yield* Effect.yieldNow()
          yield* Ref.update(inFlight, (m) => new Map(m).set(key, (m.get(key) ?? 1) - 1))
          yield* Ref.update(processed, (n) => n + 1)
        }).pipe(Effect.ensuring(queue.done(key))),
      ).pipe(Effect.forever)
      for (const key of ["a", "b", "c"]) yield* queue.add(key)
      yield* Effect.forEach([1, 2, 3, 4], () => Effect.forkScoped(worker))
      while ((yield* Ref.get(processed)) < 60) yield* Effect.yieldNow()
      expect(overlap).toBe(false)
    }),
  )

  it.scoped("addAfter fires after the delay; the earliest pending add wins", () =>
    Effect.gen(function* () {
      const queue = yield* makeWorkQueue(options)
      yield* queue.addAfter("ns/a", "10 seconds")
      expect(yield* queue.pending).toBe(1)
      yield* TestClock.adjust("9 seconds")
      expect(yield* queue.length).toBe(0)
      yield* TestClock.adjust("1 second")
      expect(yield* queue.length).toBe(1)
      expect(yield* queue.pending).toBe(0)
      expect(yield* queue.take).toBe("ns/a")
      yield* queue.done("ns/a")

      // A later request does not postpone an earlier one ...
      yield* queue.addAfter("ns/b", "5 seconds")
      yield* queue.addAfter("ns/b", "20 seconds")
      yield* TestClock.adjust("5 seconds")
      expect(yield* queue.length).toBe(1)
      expect(yield* queue.take).toBe("ns/b")
      yield* queue.done("ns/b")
      yield* TestClock.adjust("30 seconds")
      expect(yield* queue.length).toBe(0)

      // ... an earlier one replaces a later one ...
      yield* queue.addAfter("ns/c", "20 seconds")
      yield* queue.addAfter("ns/c", "2 seconds")
      yield* TestClock.adjust("2 seconds")
      expect(yield* queue.length).toBe(1)
      expect(yield* queue.take).toBe("ns/c")
      yield* queue.done("ns/c")
      yield* TestClock.adjust("30 seconds")
      expect(yield* queue.length).toBe(0)

      // ... and an immediate add cancels a pending one.
      yield* queue.addAfter("ns/d", "10 seconds")
      yield* queue.add("ns/d")
      expect(yield* queue.pending).toBe(0)
      expect(yield* queue.take).toBe("ns/d")
      yield* queue.done("ns/d")
      yield* TestClock.adjust("30 seconds")
      expect(yield* queue.length).toBe(0)
    }),
  )

  it.scoped("a delayed add of a waiting key does not duplicate it", () =>
    Effect.gen(function* () {
      const queue = yield* makeWorkQueue(options)
      yield* queue.add("ns/a")
      yield* queue.addAfter("ns/a", "1 second")
      yield* TestClock.adjust("1 second")
      expect(yield* queue.length).toBe(1)
    }),
  )

  it.scoped("failure backoff doubles up to the cap and forget resets it", () =>
    Effect.gen(function* () {
      const queue = yield* makeWorkQueue(options)
      const delays: Array<number> = []
      for (let i = 0; i < 6; i++) delays.push(Duration.toSeconds(yield* queue.backoff("ns/a")))
      expect(delays).toEqual([1, 2, 4, 8, 10, 10])
      expect(yield* queue.failures("ns/a")).toBe(6)
      // Per key: another key starts from the base.
      expect(Duration.toSeconds(yield* queue.backoff("ns/b"))).toBe(1)
      yield* queue.forget("ns/a")
      expect(yield* queue.failures("ns/a")).toBe(0)
      expect(Duration.toSeconds(yield* queue.addRateLimited("ns/a"))).toBe(1)
      expect(Duration.toSeconds(yield* queue.addRateLimited("ns/a"))).toBe(2)
      // The second (later) request does not postpone the first.
      yield* TestClock.adjust("1 second")
      expect(yield* queue.take).toBe("ns/a")
    }),
  )

  it("backoffDelay does not overflow", () => {
    expect(Duration.toMillis(backoffDelay(10_000, "5 seconds", "5 minutes"))).toBe(300_000)
    expect(Duration.toMillis(backoffDelay(1, "5 seconds", "5 minutes"))).toBe(5_000)
  })
})
