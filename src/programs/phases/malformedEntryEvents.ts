import { malformedEntries } from "../../inventory/MalformedEntries.ts"
import { shardName } from "../../inventory/ShardName.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import type { RunEvent } from "../RunEvent.ts"

const FATE = {
  kept: "it is kept as it is and nothing it may name is pruned; correct or remove it by hand",
  released: "teardown cannot delete what it may name and releases it with the record",
} as const

/**
 * A Warning for each stored entry that names no object (a hand-edited shard). Without a
 * word it would hold its object out of pruning for good (`kept`: a run keeps it), or let
 * teardown leave it behind (`released`: the record goes with the StageSet).
 */
export const malformedEntryEvents = (
  stageSet: string,
  records: Iterable<StageRecord>,
  fate: keyof typeof FATE,
): Array<RunEvent> =>
  [...records].flatMap((record) =>
    malformedEntries(record).map(({ shard, entry }) => ({
      type: "Warning" as const,
      reason: "InventoryEntryMalformed",
      message: `StageInventory ${shardName(stageSet, record.stage, shard)} lists entry id "${entry.id}" (v "${entry.v}"), which names no object: ${FATE[fate]}`,
    })),
  )
