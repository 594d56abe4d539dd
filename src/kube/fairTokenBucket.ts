import {
  Chunk,
  Deferred,
  Duration,
  Effect,
  FiberRef,
  HashMap,
  Option,
  Queue,
  Ref,
  type Scope,
} from "effect"
import { currentRequestOwner } from "./RequestOwner.ts"

/** Client-side limits shared by every call of the process (`--kube-api-qps/burst`). */
export interface ApiLimits {
  readonly qps: number
  readonly burst: number
}

/** Wraps a request: it starts once it was granted a token. */
export type FairTokenBucket = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

type Waiter = Deferred.Deferred<void>

/** Who waits for a token: one line per owner, and the order in which the owners take turns. */
interface Lines {
  readonly turns: Chunk.Chunk<string>
  readonly waiting: HashMap.HashMap<string, Chunk.Chunk<Waiter>>
}

const noLines: Lines = { turns: Chunk.empty(), waiting: HashMap.empty() }

/** A waiter joins its owner's line; an owner nobody waited for takes the last turn. */
const join =
  (owner: string, waiter: Waiter) =>
  (lines: Lines): Lines =>
    Option.match(HashMap.get(lines.waiting, owner), {
      onNone: () => ({
        turns: Chunk.append(lines.turns, owner),
        waiting: HashMap.set(lines.waiting, owner, Chunk.of(waiter)),
      }),
      onSome: (line) => ({
        turns: lines.turns,
        waiting: HashMap.set(lines.waiting, owner, Chunk.append(line, waiter)),
      }),
    })

/**
 * The first waiter of the owner whose turn it is; that owner goes to the back of the turns
 * if more of its requests wait.
 */
const next = (lines: Lines): readonly [Option.Option<Waiter>, Lines] => {
  if (Chunk.isEmpty(lines.turns)) return [Option.none(), lines]
  const owner = Chunk.unsafeHead(lines.turns)
  const line = Option.getOrElse(HashMap.get(lines.waiting, owner), () => Chunk.empty<Waiter>())
  const rest = Chunk.drop(line, 1)
  const turns = Chunk.drop(lines.turns, 1)
  return [
    Chunk.head(line),
    Chunk.isEmpty(rest)
      ? { turns, waiting: HashMap.remove(lines.waiting, owner) }
      : { turns: Chunk.append(turns, owner), waiting: HashMap.set(lines.waiting, owner, rest) },
  ]
}

/** An interrupted waiter leaves its line; `true` when it was still in it. */
const leave =
  (owner: string, waiter: Waiter) =>
  (lines: Lines): readonly [boolean, Lines] =>
    Option.match(HashMap.get(lines.waiting, owner), {
      onNone: () => [false, lines] as const,
      onSome: (line) => {
        const rest = Chunk.filter(line, (w) => w !== waiter)
        if (rest.length === line.length) return [false, lines] as const
        return Chunk.isEmpty(rest)
          ? ([
              true,
              {
                turns: Chunk.filter(lines.turns, (o) => o !== owner),
                waiting: HashMap.remove(lines.waiting, owner),
              },
            ] as const)
          : ([
              true,
              { turns: lines.turns, waiting: HashMap.set(lines.waiting, owner, rest) },
            ] as const)
      },
    })

/**
 * The process's one token bucket (`burst` tokens, refilled at `qps` per second), granted
 * fairly: requests wait in one line per owner (`currentRequestOwner`, the StageSet a run is
 * for) and the owners that wait take turns, one token each. A small StageSet's requests
 * therefore interleave with a big one's instead of queueing behind thousands of them, and
 * the total rate is still the configured one, so the API server's protection is unchanged.
 *
 * A request that finds a token and nobody waiting takes it on the spot: no line, no
 * hand-over to another fiber. That is every request while the bucket is not empty (and all
 * of them without a qps limit), so the fair queue costs CPU only when it has work to do
 * (B6). The level is counted here rather than by Effect's RateLimiter for that reason: the
 * fast path has to see it synchronously. It is read from the monotonic clock of the
 * Clock service, so TestClock drives it in tests.
 *
 * Otherwise one fiber hands out the tokens: it takes a ticket (one per waiting request, so
 * it sleeps while nobody waits), then a token (sleeping until the next one is due), and
 * only then picks whose turn it is, so a request that arrived while it waited for the
 * token is already counted. An interrupted waiter leaves its line and takes its ticket back.
 */
export const makeFairTokenBucket = (
  limits: ApiLimits,
): Effect.Effect<FairTokenBucket, never, Scope.Scope> =>
  Effect.gen(function* () {
    const burst = Math.max(1, limits.burst)
    const tokensPerMs = Math.max(0.001, limits.qps) / 1000
    const clock = yield* Effect.clock
    const nowMs = () => Number(clock.unsafeCurrentTimeNanos() / 1_000_000n)
    // Mutable on purpose: it is only touched inside Effect.sync/suspend, which run to
    // completion on the one JavaScript thread, so no other fiber sees a half-made update.
    const level = { tokens: burst, at: nowMs(), waiting: 0 }
    const refill = () => {
      const now = nowMs()
      level.tokens = Math.min(burst, level.tokens + (now - level.at) * tokensPerMs)
      level.at = now
    }
    // A hair of tolerance: a sleep of exactly the computed time must yield the token.
    const takeIfThere = () => {
      refill()
      if (level.tokens < 1 - 1e-9) return false
      level.tokens = Math.max(0, level.tokens - 1)
      return true
    }
    const token: Effect.Effect<void> = Effect.suspend(() =>
      takeIfThere()
        ? Effect.void
        : Effect.zipRight(
            Effect.sleep(Duration.millis(Math.max(1, Math.ceil((1 - level.tokens) / tokensPerMs)))),
            token,
          ),
    )
    const lines = yield* Ref.make(noLines)
    const tickets = yield* Queue.unbounded<void>()
    yield* Queue.take(tickets).pipe(
      Effect.zipRight(token),
      Effect.zipRight(Ref.modify(lines, next)),
      Effect.flatMap(
        Option.match({
          // Its waiter gave up after the ticket was taken: the token stays in the bucket.
          onNone: () =>
            Effect.sync(() => {
              level.tokens = Math.min(burst, level.tokens + 1)
            }),
          onSome: (waiter) =>
            Effect.zipRight(
              Effect.sync(() => {
                level.waiting -= 1
              }),
              Deferred.succeed(waiter, undefined),
            ),
        }),
      ),
      Effect.forever,
      // Interruptible wherever the bucket is made: a client built inside an acquire (a
      // remote cluster's, in an acquireRelease) would otherwise fork a fiber that inherits
      // the acquire's uninterruptibility, and closing its scope would wait on it forever.
      Effect.interruptible,
      Effect.forkScoped,
    )
    const wait = Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        const owner = yield* FiberRef.get(currentRequestOwner)
        const waiter = yield* Deferred.make<void>()
        yield* Ref.update(lines, join(owner, waiter))
        level.waiting += 1
        yield* Queue.offer(tickets, undefined)
        yield* restore(Deferred.await(waiter)).pipe(
          Effect.onInterrupt(() =>
            Effect.flatMap(Ref.modify(lines, leave(owner, waiter)), (waited) =>
              waited
                ? Effect.zipRight(
                    Effect.sync(() => {
                      level.waiting -= 1
                    }),
                    Queue.poll(tickets),
                  )
                : Effect.void,
            ),
          ),
        )
      }),
    )
    const turn = Effect.suspend(() => (level.waiting === 0 && takeIfThere() ? Effect.void : wait))
    return (effect) => Effect.zipRight(turn, effect)
  })
