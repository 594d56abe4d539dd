/**
 * Which applied digest (AppliedDigest.ts) a shard carries after a write: each shard's
 * covers exactly the members whose entries it holds, so a run that applied members of one
 * shard writes that shard's digest alone, and a restart judges each member by its own shard.
 */
import { encodeDigest } from "./AppliedDigest.ts"
import type { Entry } from "./Entry.ts"
import type { Shard } from "./StageRecord.ts"

/**
 * The digest of a shard that will hold `entries`. With this run's fingerprints
 * (`applied`, by entry id): the digest of those of its entries (none when it holds no
 * member with one). Without (nothing applied yet: record intent, repair, adoption): the
 * digest `stored` carries at the same index, while every entry it holds stays; once one
 * leaves (pruned, moved by a re-split or a repair) it is dropped, so no digest ever claims
 * a member its shard does not hold. A new shard has none until a settle writes one.
 */
export const shardDigest = (
  stored: Shard | undefined,
  entries: ReadonlyArray<Entry>,
  applied: ReadonlyMap<string, string> | undefined,
): string | undefined => {
  if (applied !== undefined) {
    const fingerprints = entries.flatMap((e) => {
      const fp = applied.get(e.id)
      return fp === undefined ? [] : [fp]
    })
    return fingerprints.length === 0 ? undefined : encodeDigest(fingerprints)
  }
  if (stored?.digest === undefined) return undefined
  const held = new Set(entries.map((e) => e.id))
  return stored.entries.every((e) => held.has(e.id)) ? stored.digest : undefined
}
