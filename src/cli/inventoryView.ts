import { Option, Schema } from "effect"
import { StageInventorySpec } from "../../schemas/StageInventory.ts"
import type { Entry } from "../inventory/Entry.ts"
import { keyOfEntry } from "../inventory/EntryId.ts"
import {
  APPLYSET_CONTAINS_GROUP_KINDS,
  APPLYSET_ID,
  INVENTORY_MODE,
  LABEL_SHARD,
  LABEL_STAGE,
} from "../inventory/Labels.ts"
import type { KubeObject } from "../kube/KubeObject.ts"

/** One recorded object, decoded from its entry id. */
export interface DecodedEntry {
  readonly shard: string
  readonly apiVersion: string
  readonly kind: string
  readonly namespace: string
  readonly name: string
  /** The raw id, kept when it does not decode (another writer, a corrupted record). */
  readonly id: string
  readonly valid: boolean
}

export interface ShardView {
  readonly name: string
  readonly index: number
  readonly entries: number
}

/** What `stagesetctl inventory` shows for one stage. */
export interface StageInventoryView {
  readonly stage: string
  readonly shards: ReadonlyArray<ShardView>
  readonly entries: ReadonlyArray<DecodedEntry>
  /** Shard 0's ApplySet keys (hybrid and applyset modes). */
  readonly applySet?: { readonly id: string; readonly containsGroupKinds: ReadonlyArray<string> }
  /** Shard 0's `stages.metio.wtf/inventory-mode`; absent on a record of an earlier version. */
  readonly mode?: string
}

const decodeShardSpec = Schema.decodeUnknownOption(StageInventorySpec)

/** The shard's entries, decoded by the StageInventory Schema (none when it does not decode). */
const entriesOf = (shard: KubeObject): ReadonlyArray<Entry> =>
  Option.match(decodeShardSpec(shard.spec), {
    onNone: () => [],
    onSome: (spec) => spec.entries ?? [],
  })

const indexOf = (shard: KubeObject): number => {
  const label = shard.metadata.labels?.[LABEL_SHARD]
  const index = label === undefined ? Number.NaN : Number.parseInt(label, 10)
  return Number.isNaN(index) ? Number.MAX_SAFE_INTEGER : index
}

const decode = (shard: string, entry: Entry): DecodedEntry => {
  const key = keyOfEntry(entry)
  return key === undefined
    ? { shard, apiVersion: entry.v, kind: "?", namespace: "", name: "", id: entry.id, valid: false }
    : {
        shard,
        apiVersion: key.apiVersion,
        kind: key.ref.kind,
        namespace: key.ref.namespace,
        name: key.ref.name,
        id: entry.id,
        valid: true,
      }
}

/** Groups a StageSet's shards by stage (in `stageOrder`, then any others) and decodes them. */
export const inventoryViews = (
  shards: ReadonlyArray<KubeObject>,
  stageOrder: ReadonlyArray<string>,
): ReadonlyArray<StageInventoryView> => {
  const byStage = new Map<string, Array<KubeObject>>()
  for (const shard of shards) {
    const stage = shard.metadata.labels?.[LABEL_STAGE] ?? "?"
    byStage.set(stage, [...(byStage.get(stage) ?? []), shard])
  }
  const stages = [
    ...stageOrder.filter((stage) => byStage.has(stage)),
    ...[...byStage.keys()].filter((stage) => !stageOrder.includes(stage)).sort(),
  ]
  return stages.map((stage) => {
    const sorted = [...(byStage.get(stage) ?? [])].sort((a, b) => indexOf(a) - indexOf(b))
    const entries = sorted.flatMap((shard) =>
      entriesOf(shard).map((entry) => decode(shard.metadata.name, entry)),
    )
    const view: StageInventoryView = {
      stage,
      shards: sorted.map((shard) => ({
        name: shard.metadata.name,
        index: indexOf(shard),
        entries: entriesOf(shard).length,
      })),
      entries,
    }
    const first = sorted[0]
    const id = first?.metadata.labels?.[APPLYSET_ID]
    const mode = first?.metadata.annotations?.[INVENTORY_MODE]
    const groupKinds = first?.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS] ?? ""
    return {
      ...view,
      ...(mode === undefined ? {} : { mode }),
      ...(id === undefined
        ? {}
        : {
            applySet: {
              id,
              containsGroupKinds: groupKinds.split(",").filter((kind) => kind !== ""),
            },
          }),
    }
  })
}
