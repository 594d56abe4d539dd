import { Order, Predicate } from "effect"
import type { InventoryMode } from "../../schemas/StageSet.ts"
import type { Entry } from "../../src/inventory/Entry.ts"
import { formatList, parseList } from "../../src/inventory/GroupKinds.ts"
import { isInventoryMode } from "../../src/inventory/InventoryMode.ts"
import {
  API_VERSION,
  APPLIED_DIGEST,
  APPLYSET_ADDITIONAL_NAMESPACES,
  APPLYSET_CONTAINS_GROUP_KINDS,
  APPLYSET_ID,
  APPLYSET_TOOLING,
  FINALIZER,
  INVENTORY_MODE,
  LABEL_SHARD,
  LABEL_STAGE,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
} from "../../src/inventory/Labels.ts"
import { shardName } from "../../src/inventory/ShardName.ts"
import type {
  ApplySetMeta,
  LegacyShard,
  Shard,
  StageRecord,
} from "../../src/inventory/StageRecord.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"

/** The parts of a stage record that every shard object is built from. */
export interface ShardContent {
  readonly namespace: string
  readonly stageSet: string
  readonly stage: string
  readonly position: number
  readonly index: number
  readonly entries: ReadonlyArray<Entry>
  /** Only shard 0 carries it. */
  readonly applySet: ApplySetMeta | undefined
  /** Only shard 0 carries it. */
  readonly mode: InventoryMode
}

/**
 * The StageInventory object for one shard, as the controller applies it. Shards carry our
 * finalizer so that a namespace deletion cannot remove the record before teardown has
 * used it (the namespace controller deletes inventories and StageSets in parallel).
 */
export const encodeShard = (content: ShardContent): KubeObject => {
  const labels: Record<string, string> = {
    [LABEL_STAGE_SET]: content.stageSet,
    [LABEL_STAGE]: content.stage,
    [LABEL_SHARD]: String(content.index),
  }
  const annotations: Record<string, string> =
    content.index === 0 ? { [INVENTORY_MODE]: content.mode } : {}
  const meta = content.index === 0 ? content.applySet : undefined
  if (meta !== undefined) {
    labels[APPLYSET_ID] = meta.id
    annotations[APPLYSET_TOOLING] = meta.tooling
    annotations[APPLYSET_CONTAINS_GROUP_KINDS] = formatList(meta.groupKinds)
    if (meta.additionalNamespaces.length > 0)
      annotations[APPLYSET_ADDITIONAL_NAMESPACES] = formatList(meta.additionalNamespaces)
  }
  const sorted = [...content.entries].sort(Order.mapInput(Order.string, (e: Entry) => e.id))
  return {
    apiVersion: API_VERSION,
    kind: STAGE_INVENTORY_KIND,
    metadata: {
      name: shardName(content.stageSet, content.stage, content.index),
      namespace: content.namespace,
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      finalizers: [FINALIZER],
    },
    spec: {
      stagePosition: content.position,
      entries: sorted.map((e) => ({ id: e.id, v: e.v })),
    },
  }
}

/**
 * A shard's applied digest alone, as the digest field manager applies it (the shard
 * exists): only the annotation, which that manager alone owns; none removes it.
 */
export const encodeShardDigest = (
  ref: { readonly namespace: string; readonly stageSet: string; readonly stage: string },
  index: number,
  digest: string | undefined,
): KubeObject => ({
  apiVersion: API_VERSION,
  kind: STAGE_INVENTORY_KIND,
  metadata: {
    name: shardName(ref.stageSet, ref.stage, index),
    namespace: ref.namespace,
    ...(digest === undefined ? {} : { annotations: { [APPLIED_DIGEST]: digest } }),
  },
})

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  Predicate.isRecord(value) ? value : undefined

/** What one stored StageInventory says; undefined fields when the object is not one of ours. */
export interface DecodedShard {
  /** The object's name: ours for its index, or a legacy shard's. */
  readonly name: string
  readonly stageSet: string | undefined
  readonly stage: string | undefined
  readonly index: number
  readonly position: number
  readonly entries: ReadonlyArray<Entry> | undefined
  readonly applySet: ApplySetMeta | undefined
  readonly mode: InventoryMode | undefined
  readonly digest: string | undefined
  readonly terminating: boolean
}

export const decodeShard = (object: KubeObject): DecodedShard => {
  const labels = object.metadata.labels ?? {}
  const annotations = object.metadata.annotations ?? {}
  const spec = asRecord(object.spec) ?? {}
  const rawEntries = Array.isArray(spec.entries) ? spec.entries : undefined
  const entries = rawEntries?.flatMap((raw): ReadonlyArray<Entry> => {
    const entry = asRecord(raw)
    return entry !== undefined && typeof entry.id === "string" && typeof entry.v === "string"
      ? [{ id: entry.id, v: entry.v }]
      : []
  })
  const id = labels[APPLYSET_ID]
  const mode = annotations[INVENTORY_MODE]
  const shardLabel = labels[LABEL_SHARD]
  return {
    name: object.metadata.name,
    stageSet: labels[LABEL_STAGE_SET],
    stage: labels[LABEL_STAGE],
    index: shardLabel !== undefined && /^\d+$/.test(shardLabel) ? Number(shardLabel) : -1,
    position: typeof spec.stagePosition === "number" ? spec.stagePosition : 0,
    entries,
    applySet:
      id === undefined
        ? undefined
        : {
            id,
            tooling: annotations[APPLYSET_TOOLING] ?? "",
            groupKinds: parseList(annotations[APPLYSET_CONTAINS_GROUP_KINDS]),
            additionalNamespaces: parseList(annotations[APPLYSET_ADDITIONAL_NAMESPACES]),
          },
    mode: mode !== undefined && isInventoryMode(mode) ? mode : undefined,
    digest: annotations[APPLIED_DIGEST],
    terminating: object.metadata.deletionTimestamp !== undefined,
  }
}

/**
 * Groups decoded shards of one stage into its record (shard 0 holds the stage-wide
 * fields). A shard under any other name than ours for its index (the Go implementation's
 * `<stageset>-<stage>-NN-<hash>`, or an index label that does not parse) is a legacy
 * shard: its entries stay in the record until they are adopted.
 */
export const recordOf = (
  namespace: string,
  stageSet: string,
  stage: string,
  shards: ReadonlyArray<DecodedShard>,
): StageRecord => {
  const isOurs = (s: DecodedShard) => s.index >= 0 && s.name === shardName(stageSet, stage, s.index)
  const legacy: ReadonlyArray<LegacyShard> = shards
    .filter((s) => !isOurs(s))
    .map((s) => ({ name: s.name, position: s.position, entries: s.entries ?? [] }))
    .sort(Order.mapInput(Order.string, (s: LegacyShard) => s.name))
  const sorted = [...shards].filter(isOurs).sort((a, b) => a.index - b.index)
  const first = sorted.find((s) => s.index === 0) ?? sorted[0]
  const stored: ReadonlyArray<Shard> = sorted.map((s) => ({
    index: s.index,
    entries: s.entries ?? [],
    ...(s.terminating ? { terminating: true } : {}),
    ...(s.digest === undefined ? {} : { digest: s.digest }),
  }))
  return {
    namespace,
    stageSet,
    stage,
    position: first?.position ?? 0,
    shards: stored,
    tracksEntries: sorted.some((s) => s.entries !== undefined),
    applySet: sorted.find((s) => s.index === 0)?.applySet,
    mode: sorted.find((s) => s.index === 0)?.mode,
    ...(legacy.length === 0 ? {} : { legacy }),
  }
}

/** An empty record: the stage has no stored shard. */
export const emptyRecord = (namespace: string, stageSet: string, stage: string): StageRecord => ({
  namespace,
  stageSet,
  stage,
  position: 0,
  shards: [],
  tracksEntries: false,
  applySet: undefined,
  mode: undefined,
})
