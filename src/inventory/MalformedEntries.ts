import type { Entry } from "./Entry.ts"
import { keyOfEntry } from "./EntryId.ts"
import type { StageRecord } from "./StageRecord.ts"

/** An entry that names no object: its id is not one we could have written, or its `v` is of another group. */
export interface MalformedEntry {
  readonly shard: number
  readonly entry: Entry
}

/**
 * The entries of a stored record that cannot be addressed (a hand-edited shard). They are
 * kept as they are on every write and never pruned: guessing what they meant could
 * delete the wrong object, dropping them could orphan the right one. The run reports them
 * so a person can correct or remove them.
 */
export const malformedEntries = (record: StageRecord): Array<MalformedEntry> =>
  record.shards.flatMap((shard) =>
    shard.entries
      .filter((entry) => keyOfEntry(entry) === undefined)
      .map((entry) => ({ shard: shard.index, entry })),
  )
