import { Duration, Effect, Schedule } from "effect"
import { isRetryable, type KubeError } from "./KubeError.ts"

/**
 * Backoff for calls that may succeed when repeated (429, 5xx, resets): exponential from
 * 100 ms, jittered so a fleet of workers does not retry in lockstep, capped at 10 s per
 * wait and 8 attempts, which rides out an API server restart of ~30 s.
 */
export const apiRetrySchedule = Schedule.exponential("100 millis", 2).pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced("10 seconds")),
  Schedule.intersect(Schedule.recurs(8)),
)

/** Backoff for optimistic-concurrency conflicts (409 on update): quick, a few attempts. */
export const conflictRetrySchedule = Schedule.exponential("20 millis", 2).pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(5)),
)

/** The server asked us to wait: honour Retry-After (bounded) before the next attempt. */
const waitRetryAfter = (error: KubeError): Effect.Effect<void> =>
  error._tag === "KubeTooManyRequests" && error.retryAfterSeconds !== undefined
    ? Effect.sleep(Duration.seconds(Math.min(Math.max(error.retryAfterSeconds, 0), 60)))
    : Effect.void

/**
 * Retries a call on retryable API errors with `apiRetrySchedule`, honouring Retry-After.
 *
 * Only a call that failed pays for the retry machinery (a schedule driver per call is CPU
 * on every request, B6): its first failure is replayed into the retry, so it counts as the
 * first attempt and waits the schedule's first delay, exactly as if retried from the start.
 */
export const retryApi = <A, R>(
  effect: Effect.Effect<A, KubeError, R>,
): Effect.Effect<A, KubeError, R> =>
  Effect.catchIf(effect, isRetryable, (first) => {
    let replay = true
    const attempt = Effect.suspend(() => {
      if (!replay) return effect
      replay = false
      return Effect.fail(first)
    })
    return attempt.pipe(
      Effect.tapError(waitRetryAfter),
      Effect.retry({ schedule: apiRetrySchedule, while: isRetryable }),
    )
  })
