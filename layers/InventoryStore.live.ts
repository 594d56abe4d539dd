import { Effect, Layer, Order, Schedule } from "effect"
import { planAdoption } from "../src/inventory/AdoptionPlan.ts"
import { collisionOf } from "../src/inventory/InventoryCollision.ts"
import type { InventoryMode } from "../src/inventory/InventoryMode.ts"
import {
  API_VERSION,
  DIGEST_FIELD_MANAGER,
  FIELD_MANAGER,
  FINALIZER,
  LABEL_STAGE,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
} from "../src/inventory/Labels.ts"
import { planRepair } from "../src/inventory/RepairPlan.ts"
import { shardName } from "../src/inventory/ShardName.ts"
import type { DesiredRecord, StageRecord } from "../src/inventory/StageRecord.ts"
import { planStageWrite } from "../src/inventory/StageWritePlan.ts"
import {
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
  encodeShardDigest,
  recordOf,
} from "./inventory/shardCodec.ts"

const inventoryKind = { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND }

/** Soon at first, then every half second, for at most ~30 s: the delete is immediate. */
const shardGoneSchedule = Schedule.exponential("20 millis", 2).pipe(
  Schedule.union(Schedule.spaced("500 millis")),
  Schedule.upTo("30 seconds"),
)

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
    .sort(([a], [b]) => Order.string(a, b))
    .map(([stage, shards]) => recordOf(namespace, stageSet, stage, shards))
}

export const makeInventoryStore = (kube: KubeClientApi): InventoryStoreApi => {
  const keyOf = (namespace: string, name: string) => ({ ...inventoryKind, namespace, name })

  const ensureNotForeign = (ref: StageRef, index: number) =>
    kube.get(keyOf(ref.namespace, shardName(ref.stageSet, ref.stage, index))).pipe(
      Effect.flatMap((object) => {
        const shard = decodeShard(object)
        const collision = collisionOf(
          { ...shard, namespace: ref.namespace, name: object.metadata.name },
          ref,
        )
        return collision === undefined ? Effect.void : Effect.fail(collision)
      }),
      Effect.catchTag("KubeNotFound", () => Effect.void),
    )

  const checkListedStage = (ref: StageRef, listed: StageRecord | undefined) =>
    Effect.gen(function* () {
      // Shard 0's name may be held by another StageSet whose labels differ (names are not injective).
      if (listed === undefined || !listed.shards.some((s) => s.index === 0))
        yield* ensureNotForeign(ref, 0)
      return listed ?? emptyRecord(ref.namespace, ref.stageSet, ref.stage)
    })

  const readStage = (ref: StageRef) =>
    Effect.gen(function* () {
      const list = yield* kube.list(inventoryKind, {
        namespace: ref.namespace,
        labelSelector: `${LABEL_STAGE_SET}=${ref.stageSet},${LABEL_STAGE}=${ref.stage}`,
      })
      const records = groupByStage(ref.namespace, ref.stageSet, list.items)
      return yield* checkListedStage(
        ref,
        records.find((r) => r.stage === ref.stage),
      )
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
          applySet: desired.applySet,
          mode: desired.mode,
        }),
        { fieldManager: FIELD_MANAGER, force: true },
      )
    })

  /** A shard's applied digest alone, under its own field manager (the shard exists). */
  const putDigest = (record: StageRecord, index: number, digest: string | undefined) =>
    kube
      .apply(encodeShardDigest(record, index, digest), {
        fieldManager: DIGEST_FIELD_MANAGER,
        force: true,
      })
      .pipe(Effect.asVoid)

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

  /** A released shard is removed by the API server at once; wait until a GET says so. */
  const shardGone = (namespace: string, name: string) =>
    kube.get(keyOf(namespace, name)).pipe(
      Effect.as(false),
      Effect.catchTag("KubeNotFound", () => Effect.succeed(true)),
      Effect.repeat({ schedule: shardGoneSchedule, until: (gone) => gone }),
    )

  const repairStage = (record: StageRecord, cap: number, mode: InventoryMode) =>
    Effect.gen(function* () {
      const plan = planRepair(record, cap)
      const desired: DesiredRecord = {
        position: record.position,
        entries: [],
        applySet: record.applySet,
        mode: record.mode ?? mode,
      }
      const live = { ...record, shards: record.shards.filter((s) => s.terminating !== true) }
      for (const step of plan.steps) {
        const name = shardName(record.stageSet, record.stage, step.index)
        if (step._tag === "Put") yield* putShard(live, desired, step.index, step.entries)
        else if (step._tag === "Digest") yield* putDigest(record, step.index, step.digest)
        else {
          yield* deleteShard(record.namespace, name)
          if (step._tag === "Release") yield* shardGone(record.namespace, name)
        }
      }
      return { record: plan.record, repaired: plan.repaired }
    })

  const writeStage = (current: StageRecord, desired: DesiredRecord, cap: number) =>
    Effect.gen(function* () {
      const plan = planStageWrite(current, desired, cap)
      for (const step of plan.steps) {
        if (step._tag === "Put") yield* putShard(current, desired, step.index, step.entries)
        else if (step._tag === "Digest") yield* putDigest(current, step.index, step.digest)
        else
          yield* deleteShard(
            current.namespace,
            shardName(current.stageSet, current.stage, step.index),
          )
      }
      return plan.record
    })

  const adoptStage = (record: StageRecord, cap: number) =>
    Effect.gen(function* () {
      const plan = planAdoption(record)
      if (plan === undefined) return record
      const { legacy: _legacy, ...ours } = record
      const adopted = yield* writeStage(ours, plan.desired, cap)
      for (const name of plan.deletes) yield* deleteShard(record.namespace, name)
      return adopted
    })

  return {
    readStage,
    checkListedStage,
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
    repairStage,
    adoptStage,
    deleteStage: (record) =>
      Effect.forEach(
        [...record.shards].sort((a, b) => b.index - a.index),
        (shard) =>
          deleteShard(record.namespace, shardName(record.stageSet, record.stage, shard.index)),
        { discard: true },
      ),
  }
}

/** InventoryStore over whichever KubeClient is in context (Live or InMemory). */
export const InventoryStoreLive = Layer.effect(
  InventoryStore,
  Effect.map(KubeClient, makeInventoryStore),
)
