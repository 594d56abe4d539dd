import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Ref, TestClock } from "effect"
import {
  type KubeError,
  KubeNotFound,
  KubeTooManyRequests,
  KubeTransport,
} from "../../../src/kube/KubeError.ts"
import { retryApi } from "../../../src/kube/RetryPolicy.ts"

/** A call that fails with `failures` in turn, then answers "ok"; counts its attempts. */
const flaky = (failures: ReadonlyArray<KubeError>) =>
  Effect.map(Ref.make(0), (attempts) => ({
    attempts: Ref.get(attempts),
    call: Effect.flatMap(
      Ref.getAndUpdate(attempts, (n) => n + 1),
      (n) => (n < failures.length ? Effect.fail(failures[n]!) : Effect.succeed("ok")),
    ),
  }))

const unavailable = new KubeTransport({ message: "503", request: "PATCH /x", status: 503 })

describe("retryApi", () => {
  it.effect("sends a call that succeeds once", () =>
    Effect.gen(function* () {
      const { call, attempts } = yield* flaky([])
      expect(yield* retryApi(call)).toBe("ok")
      expect(yield* attempts).toBe(1)
    }),
  )

  it.effect("repeats a call through 5xx and resets after a backoff, then answers", () =>
    Effect.gen(function* () {
      const { call, attempts } = yield* flaky([unavailable, unavailable])
      const fiber = yield* Effect.fork(retryApi(call))
      yield* TestClock.adjust("1 millis")
      // The first failure waits the schedule's first delay (100 ms, jittered) like any other.
      expect(yield* attempts).toBe(1)
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe("ok")
      expect(yield* attempts).toBe(3)
    }),
  )

  it.effect("waits out a 429's Retry-After before the next attempt", () =>
    Effect.gen(function* () {
      const throttled = new KubeTooManyRequests({
        message: "slow down",
        request: "PATCH /x",
        retryAfterSeconds: 5,
      })
      const { call, attempts } = yield* flaky([throttled])
      const fiber = yield* Effect.fork(retryApi(call))
      yield* TestClock.adjust("4 seconds")
      expect(yield* attempts).toBe(1)
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe("ok")
      expect(yield* attempts).toBe(2)
    }),
  )

  it.effect("does not repeat an answer that repeating cannot change", () =>
    Effect.gen(function* () {
      const missing = new KubeNotFound({ message: "not found", request: "GET /x" })
      const { call, attempts } = yield* flaky([missing])
      expect(yield* Effect.exit(retryApi(call))).toStrictEqual(Exit.fail(missing))
      expect(yield* attempts).toBe(1)
    }),
  )

  it.effect("gives up after eight retries with the last error", () =>
    Effect.gen(function* () {
      const { call, attempts } = yield* flaky(Array.from({ length: 20 }, () => unavailable))
      const fiber = yield* Effect.fork(Effect.exit(retryApi(call)))
      yield* TestClock.adjust("5 minutes")
      expect(yield* Fiber.join(fiber)).toStrictEqual(Exit.fail(unavailable))
      expect(yield* attempts).toBe(9)
    }),
  )
})
