import {
  Chunk,
  Deferred,
  Duration,
  Effect,
  FiberRef,
  HashMap,
  Option,
  Queue,
  RateLimiter,
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
 * One fiber hands out the tokens: it takes a ticket (one per waiting request, so it sleeps
 * while nobody waits), then a token from Effect's RateLimiter, and only then picks whose
 * turn it is, so a request that arrived while it waited for the token is already counted.
 * An interrupted waiter leaves its line and takes its ticket back.
 */
export const makeFairTokenBucket = (
  limits: ApiLimits,
): Effect.Effect<FairTokenBucket, never, Scope.Scope> =>
  Effect.gen(function* () {
    const burst = Math.max(1, limits.burst)
    const bucket = yield* RateLimiter.make({
      limit: burst,
      interval: Duration.millis((1000 * burst) / Math.max(0.001, limits.qps)),
      algorithm: "token-bucket",
    })
    const lines = yield* Ref.make(noLines)
    const tickets = yield* Queue.unbounded<void>()
    yield* Queue.take(tickets).pipe(
      Effect.zipRight(bucket(Ref.modify(lines, next))),
      Effect.flatMap(
        Option.match({
          onNone: () => Effect.void,
          onSome: (waiter) => Deferred.succeed(waiter, undefined),
        }),
      ),
      Effect.forever,
      // Interruptible wherever the bucket is made: a client built inside an acquire (a
      // remote cluster's, in an acquireRelease) would otherwise fork a fiber that inherits
      // the acquire's uninterruptibility, and closing its scope would wait on it forever.
      Effect.interruptible,
      Effect.forkScoped,
    )
    const turn = Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        const owner = yield* FiberRef.get(currentRequestOwner)
        const waiter = yield* Deferred.make<void>()
        yield* Ref.update(lines, join(owner, waiter))
        yield* Queue.offer(tickets, undefined)
        yield* restore(Deferred.await(waiter)).pipe(
          Effect.onInterrupt(() =>
            Effect.flatMap(Ref.modify(lines, leave(owner, waiter)), (waited) =>
              waited ? Queue.poll(tickets) : Effect.void,
            ),
          ),
        )
      }),
    )
    return (effect) => Effect.zipRight(turn, effect)
  })
