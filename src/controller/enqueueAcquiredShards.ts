import { Effect, Stream } from "effect"
import { cacheKey, type Informer } from "./Informer.ts"
import type { ShardOwnershipApi } from "./ShardOwnership.ts"
import { stageSetShard } from "./shardAssignment.ts"

/**
 * Queues every cached StageSet of each shard as it is acquired: its previous holder may
 * have stopped mid-way or died, and the informer's events for it were dropped while the
 * shard was someone else's. StageSets the cache has not seen yet arrive as informer events.
 */
export const enqueueAcquiredShards = (
  ownership: ShardOwnershipApi,
  stageSets: Informer,
  add: (key: string) => Effect.Effect<void>,
): Effect.Effect<void> =>
  // A single shard is held from the start and the informers' first events queue everything.
  ownership.shards === 1
    ? Effect.void
    : ownership.held.pipe(
        Stream.runFoldEffect(new Set<number>() as ReadonlySet<number>, (before, now) =>
          Effect.gen(function* () {
            const acquired = [...now].filter((shard) => !before.has(shard))
            if (acquired.length > 0) {
              const keys = (yield* stageSets.list)
                .map((o) => cacheKey(o.metadata.namespace, o.metadata.name))
                .filter((key) => acquired.includes(stageSetShard(key, ownership.shards)))
              yield* Effect.forEach(keys, add, { discard: true })
              yield* Effect.logInfo("queued the StageSets of acquired shards").pipe(
                Effect.annotateLogs({ shards: acquired.join(","), stageSets: keys.length }),
              )
            }
            return now
          }),
        ),
        Effect.asVoid,
      )
