import { Effect, Layer } from "effect"
import {
  API_VERSION,
  FIELD_MANAGER,
  FINALIZER,
  LABEL_STAGE,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
} from "../src/inventory/Labels.ts"
import { shardName } from "../src/inventory/ShardName.ts"
import { planShards, type ShardStep } from "../src/inventory/ShardPlan.ts"
import type { ApplySetMeta, DesiredRecord, StageRecord } from "../src/inventory/StageRecord.ts"
import {
  InventoryCollision,
  InventoryStore,
  type InventoryStoreApi,
  type StageRef,
} from "../src/inventory-store/InventoryStore.ts"
import { KubeClient, type KubeClientApi } from "../src/kube/KubeClient.ts"
import type { KubeError } from "../src/kube/KubeError.ts"
import type { KubeObject } from "../src/kube/KubeObject.ts"
import { conflictRetrySchedule } from "../src/kube/RetryPolicy.ts"
import {
  type DecodedShard,
  decodeShard,
  emptyRecord,
  encodeShard,
  recordOf,
} from "./inventory/shardCodec.ts"

const inventoryKind = { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND }

const sameList = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((value, i) => value === b[i])

const sameApplySet = (a: ApplySetMeta | undefined, b: ApplySetMeta | undefined) =>
  a === undefined || b === undefined
    ? a === b
    : a.id === b.id &&
      a.tooling === b.tooling &&
      sameList(a.groupKinds, b.groupKinds) &&
      sameList(a.additionalNamespaces, b.additionalNamespaces)

const groupByStage = (
  namespace: string,
  stageSet: string,
  objects: ReadonlyArray<KubeObject>,
): ReadonlyArray<StageRecord> => {
  const byStage = new Map<string, Array<DecodedShard>>()
  for (const object of objects) {
    const shard = decodeShard(object)
    if (shard.stageSet !== stageSet || shard.stage === undefined) continue
    const list = byStage.get(shard.stage) ?? []
    list.push(shard)
    byStage.set(shard.stage, list)
  }
  return [...byStage.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stage, shards]) => recordOf(namespace, stageSet, stage, shards))
}

/** The shard layout of a stored record, indexed by shard number (missing shards as empty). */
const layoutOf = (record: StageRecord) => {
  const top = record.shards.reduce((max, s) => Math.max(max, s.index), -1)
  const layout: Array<ReadonlyArray<{ id: string; v: string }>> = []
  for (let k = 0; k <= top; k++)
    layout.push(record.shards.find((s) => s.index === k)?.entries ?? [])
  return layout
}

/** Steps that keep only shard 0 (no entry list): applyset mode. */
const singleShardSteps = (record: StageRecord): ReadonlyArray<ShardStep> => [
  { _tag: "Put", index: 0, entries: [] },
  ...record.shards
    .filter((s) => s.index > 0)
    .sort((a, b) => b.index - a.index)
    .map((s): ShardStep => ({ _tag: "Delete", index: s.index })),
]

export const makeInventoryStore = (kube: KubeClientApi): InventoryStoreApi => {
  const keyOf = (namespace: string, name: string) => ({ ...inventoryKind, namespace, name })

  const ensureNotForeign = (ref: StageRef, index: number) =>
    kube.get(keyOf(ref.namespace, shardName(ref.stageSet, ref.stage, index))).pipe(
      Effect.flatMap((object) => {
        const shard = decodeShard(object)
        return shard.stageSet === ref.stageSet && shard.stage === ref.stage
          ? Effect.void
          : Effect.fail(
              new InventoryCollision({
                namespace: ref.namespace,
                name: object.metadata.name,
                ownerStageSet: shard.stageSet ?? "",
                ownerStage: shard.stage ?? "",
              }),
            )
      }),
      Effect.catchTag("KubeNotFound", () => Effect.void),
    )

  const readStage = (ref: StageRef) =>
    Effect.gen(function* () {
      const list = yield* kube.list(inventoryKind, {
        namespace: ref.namespace,
        labelSelector: `${LABEL_STAGE_SET}=${ref.stageSet},${LABEL_STAGE}=${ref.stage}`,
      })
      const records = groupByStage(ref.namespace, ref.stageSet, list.items)
      const record = records.find((r) => r.stage === ref.stage)
      // Shard 0's name may be held by another StageSet whose labels differ (names are not injective).
      if (record === undefined || !record.shards.some((s) => s.index === 0))
        yield* ensureNotForeign(ref, 0)
      return record ?? emptyRecord(ref.namespace, ref.stageSet, ref.stage)
    })

  const putShard = (
    current: StageRecord,
    desired: DesiredRecord,
    index: number,
    entries: ReadonlyArray<{ id: string; v: string }>,
  ) =>
    Effect.gen(function* () {
      const ref = { namespace: current.namespace, stageSet: current.stageSet, stage: current.stage }
      if (!current.shards.some((s) => s.index === index)) yield* ensureNotForeign(ref, index)
      yield* kube.apply(
        encodeShard({
          ...ref,
          position: desired.position,
          index,
          entries,
          tracksEntries: desired.tracksEntries,
          applySet: desired.applySet,
        }),
        { fieldManager: FIELD_MANAGER, force: true },
      )
    })

  const deleteShard = (namespace: string, name: string) =>
    Effect.gen(function* () {
      yield* kube.delete(keyOf(namespace, name), { propagationPolicy: "Background" })
      // Our finalizer kept the shard readable through a namespace deletion; release it now.
      const live = yield* kube.get(keyOf(namespace, name))
      const finalizers = live.metadata.finalizers ?? []
      if (finalizers.includes(FINALIZER))
        yield* kube.update({
          ...live,
          metadata: { ...live.metadata, finalizers: finalizers.filter((f) => f !== FINALIZER) },
        })
    }).pipe(
      Effect.retry({
        schedule: conflictRetrySchedule,
        while: (error: KubeError) => error._tag === "KubeConflict",
      }),
      Effect.catchTag("KubeNotFound", () => Effect.void),
    )

  const writeStage = (current: StageRecord, desired: DesiredRecord, cap: number) =>
    Effect.gen(function* () {
      const steps: ReadonlyArray<ShardStep> = desired.tracksEntries
        ? planShards(layoutOf(current), desired.entries, cap).steps
        : current.shards.length === 1 &&
            current.shards[0]?.index === 0 &&
            current.shards[0].entries.length === 0 &&
            !current.tracksEntries
          ? []
          : singleShardSteps(current)
      const finalLayout = desired.tracksEntries ? applySteps(layoutOf(current), steps) : [[]]
      const written = new Set(steps.filter((s) => s._tag === "Put").map((s) => s.index))
      // Shards whose entries stay put but whose stage-wide fields change are rewritten first:
      // widening the ApplySet metadata must precede the apply of new members.
      const metaChanged =
        current.position !== desired.position || current.tracksEntries !== desired.tracksEntries
      for (let k = 0; k < finalLayout.length; k++) {
        if (written.has(k) || !current.shards.some((s) => s.index === k)) continue
        const shard0Changed = k === 0 && !sameApplySet(current.applySet, desired.applySet)
        if (metaChanged || shard0Changed) yield* putShard(current, desired, k, finalLayout[k] ?? [])
      }
      for (const step of steps) {
        if (step._tag === "Put") yield* putShard(current, desired, step.index, step.entries)
        else
          yield* deleteShard(
            current.namespace,
            shardName(current.stageSet, current.stage, step.index),
          )
      }
      return {
        ...current,
        position: desired.position,
        tracksEntries: desired.tracksEntries,
        applySet: desired.applySet,
        shards: finalLayout.map((entries, index) => ({ index, entries })),
      } satisfies StageRecord
    })

  return {
    readStage,
    listStageSet: (namespace, stageSet) =>
      kube
        .list(inventoryKind, { namespace, labelSelector: `${LABEL_STAGE_SET}=${stageSet}` })
        .pipe(Effect.map((list) => groupByStage(namespace, stageSet, list.items))),
    listAll: () =>
      kube.list(inventoryKind, { labelSelector: LABEL_STAGE_SET }).pipe(
        Effect.map((list) => {
          const owners = new Map<string, Array<KubeObject>>()
          for (const object of list.items) {
            const key = `${object.metadata.namespace ?? ""}/${object.metadata.labels?.[LABEL_STAGE_SET] ?? ""}`
            owners.set(key, [...(owners.get(key) ?? []), object])
          }
          return [...owners.entries()].flatMap(([key, objects]) => {
            const [namespace = "", stageSet = ""] = key.split("/")
            return groupByStage(namespace, stageSet, objects)
          })
        }),
      ),
    writeStage,
    deleteStage: (record) =>
      Effect.forEach(
        [...record.shards].sort((a, b) => b.index - a.index),
        (shard) =>
          deleteShard(record.namespace, shardName(record.stageSet, record.stage, shard.index)),
        { discard: true },
      ),
  }
}

/** Replays shard steps over a layout (the layout the store holds once they all ran). */
const applySteps = (
  layout: ReadonlyArray<ReadonlyArray<{ id: string; v: string }>>,
  steps: ReadonlyArray<ShardStep>,
): ReadonlyArray<ReadonlyArray<{ id: string; v: string }>> => {
  const next = [...layout]
  for (const step of steps) {
    if (step._tag === "Put") {
      while (next.length <= step.index) next.push([])
      next[step.index] = step.entries
    } else next.length = Math.min(next.length, step.index)
  }
  return next.length === 0 ? [[]] : next
}

/** InventoryStore over whichever KubeClient is in context (Live or InMemory). */
export const InventoryStoreLive = Layer.effect(
  InventoryStore,
  Effect.map(KubeClient, makeInventoryStore),
)
