import { Deferred, Duration, Effect, Exit, Queue, type Scope } from "effect"
import { currentRequestOwner } from "./RequestOwner.ts"
import { TokenLedger } from "./TokenLedger.ts"

/** Client-side limits shared by every call of the process (`--kube-api-qps/burst`). */
export interface ApiLimits {
  readonly qps: number
  readonly burst: number
}

/** Wraps a request: it starts once it was granted a token. */
export type FairTokenBucket = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * The process's one token bucket (`burst` tokens, refilled at `qps` per second), granted
 * fairly between the owners of the requests (`currentRequestOwner`, the StageSet a run is
 * for): TokenLedger has the policy (turns, and a reserve for StageSets that were idle).
 * The total rate is the configured one, so the API server's protection is unchanged.
 *
 * A request that may take a token and finds nobody waiting takes it on the spot: no line,
 * no hand-over to another fiber. That is every request while the bucket is not low (and
 * all of them without a qps limit), so fairness costs CPU only when it has work to do (B6).
 * Otherwise the request waits on a Deferred in its owner's line. Whoever changes the
 * ledger grants what can be granted at once; one fiber sleeps until the next token is due
 * (woken early by a new request, which may be owed one from the reserve) and grants it.
 * Time is the Clock service's monotonic clock, so TestClock drives it in tests.
 */
export const makeFairTokenBucket = (
  limits: ApiLimits,
): Effect.Effect<FairTokenBucket, never, Scope.Scope> =>
  Effect.gen(function* () {
    const clock = yield* Effect.clock
    const now = () => Number(clock.unsafeCurrentTimeNanos()) / 1_000_000
    const ledger = new TokenLedger<Deferred.Deferred<void>>(limits, now())
    const release = () => {
      for (const waiter of ledger.grant(now())) Deferred.unsafeDone(waiter, Exit.void)
    }
    const bell = yield* Queue.sliding<void>(1)

    yield* Effect.suspend(() => {
      release()
      const wait = ledger.nextGrantIn(now())
      return wait === undefined
        ? Queue.take(bell)
        : Effect.timeoutOption(Queue.take(bell), Duration.millis(Math.max(1, wait)))
    }).pipe(
      Effect.forever,
      // Interruptible wherever the bucket is made: a client built inside an acquire (a
      // remote cluster's, in an acquireRelease) would otherwise fork a fiber that inherits
      // the acquire's uninterruptibility, and closing its scope would wait on it forever.
      Effect.interruptible,
      Effect.forkScoped,
    )

    const queued = (owner: string) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const waiter = yield* Deferred.make<void>()
          ledger.enqueue(owner, waiter, now())
          release()
          yield* Queue.offer(bell, undefined)
          yield* restore(Deferred.await(waiter)).pipe(
            // Still in line: it leaves it. Already granted: that token is spent.
            Effect.onInterrupt(() => Effect.sync(() => ledger.remove(owner, waiter, now()))),
          )
        }),
      )

    const turn = Effect.withFiberRuntime<void>((fiber) => {
      const owner = fiber.getFiberRef(currentRequestOwner)
      return ledger.tryTake(owner, now()) ? Effect.void : queued(owner)
    })
    return (effect) => Effect.zipRight(turn, effect)
  })
