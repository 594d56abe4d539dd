/**
 * Which StageSets belong to which `--shards` shard, and how many shards one replica asks for.
 * Pure: the same inputs give the same answer in every replica and every release, which is
 * what lets replicas agree on ownership without talking to each other.
 */

/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of `text`. Chosen for being tiny, well specified and
 * stable across platforms and versions (unlike a language's built-in string hash).
 */
export const fnv1a32 = (text: string): number => {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

/** The shard of the StageSet `namespace/name` (its work-queue key): FNV-1a 32 mod `shards`. */
export const stageSetShard = (key: string, shards: number): number => fnv1a32(key) % shards

/**
 * How many shards a replica aims to hold when `others` other replicas hold unexpired shard
 * Leases: its fair share, ceil(shards / (others + 1)). The shares of all replicas add up to at
 * least `shards`, so every shard finds a holder, and a replica alone takes them all.
 */
export const shardQuota = (shards: number, others: number): number =>
  Math.ceil(shards / (others + 1))

/**
 * The order in which a replica tries free shards: starting at a point given by its identity,
 * so replicas that start together reach for different shards first instead of all racing for
 * shard 0.
 */
export const acquireOrder = (identity: string, shards: number): ReadonlyArray<number> => {
  const start = fnv1a32(identity) % shards
  return Array.from({ length: shards }, (_, i) => (start + i) % shards)
}

/** What one round read from a shard's Lease, as far as taking it goes. */
export type ShardLeaseState =
  /** The Lease could not be read this round: neither taken nor counted. */
  | { readonly _tag: "Unknown" }
  /** No Lease yet, or released (no holder): nobody was working on the shard. */
  | { readonly _tag: "Free" }
  /** Its holder stopped renewing (expired), or it names this replica: work may be waiting. */
  | { readonly _tag: "Abandoned" }
  /** Held by another live replica. */
  | { readonly _tag: "Held"; readonly holder: string }

/**
 * The shards to try this round, in order. Up to the fair share (`shardQuota`, counting the
 * other holders seen): every abandoned shard at once, since its StageSets wait for a holder,
 * but at most one free shard per round. That slow start is what spreads replicas that start
 * together: each takes one, sees the others, and stops at its share, instead of the first
 * to come up taking everything; a replica alone holds all N after N rounds.
 */
export const shardsToTake = (
  shards: number,
  order: ReadonlyArray<number>,
  states: ReadonlyMap<number, ShardLeaseState>,
  mine: ReadonlySet<number>,
): ReadonlyArray<number> => {
  const others = new Set<string>()
  for (const state of states.values()) if (state._tag === "Held") others.add(state.holder)
  const room = shardQuota(shards, others.size) - mine.size
  const open = order.filter((k) => !mine.has(k))
  const abandoned = open.filter((k) => states.get(k)?._tag === "Abandoned")
  const free = open.filter((k) => states.get(k)?._tag === "Free").slice(0, 1)
  return [...abandoned, ...free].slice(0, Math.max(0, room))
}
