import { Context, Effect, type Option, Stream } from "effect"

/**
 * Which StageSets this replica may reconcile now (`--shards`). The controller loop asks it
 * before queueing a key and runs every reconcile through `guard`, so a reconcile starts only
 * while its shard is held and is interrupted as soon as the shard is lost.
 */
export interface ShardOwnershipApi {
  /** `--shards`: how many shards StageSets are split into. */
  readonly shards: number
  /** Whether the shard of `key` (`namespace/name`) is held now. */
  readonly owns: (key: string) => Effect.Effect<boolean>
  /**
   * Runs `effect` only while the shard of `key` is held: None without running it when the
   * shard is not held, None after interrupting it (and awaiting its end) when the shard is
   * lost meanwhile.
   */
  readonly guard: <A, E, R>(
    key: string,
    effect: Effect.Effect<A, E, R>,
  ) => Effect.Effect<Option.Option<A>, E, R>
  /** The shards held: the current set first, then each change. */
  readonly held: Stream.Stream<ReadonlySet<number>>
}

/** One shard, always held: the behaviour without `--shards` (leader election, if any, is outside). */
export const ownsEverything: ShardOwnershipApi = {
  shards: 1,
  owns: () => Effect.succeed(true),
  guard: (_key, effect) => Effect.asSome(effect),
  held: Stream.make(new Set([0])),
}

/**
 * A reference with a default, so every existing composition (tests, stagesetctl, the
 * single-replica process) keeps owning everything without providing it.
 */
export class ShardOwnership extends Context.Reference<ShardOwnership>()("stageset/ShardOwnership", {
  defaultValue: (): ShardOwnershipApi => ownsEverything,
}) {}
