import { Context, type Effect } from "effect"
import type { InventoryCollision } from "../inventory/InventoryCollision.ts"
import type { InventoryMode } from "../inventory/InventoryMode.ts"
import type { DesiredRecord, StageRecord } from "../inventory/StageRecord.ts"
import type { KubeError } from "../kube/KubeError.ts"

export interface StageRef {
  readonly namespace: string
  readonly stageSet: string
  readonly stage: string
}

/** Persists StageInventory shards. All writes are minimal and ordered so invariant A holds between them. */
export interface InventoryStoreApi {
  /**
   * Reads one stage's shards; an empty record (no shards) when none exist. Fails with
   * InventoryCollision when shard 0's name is another StageSet's.
   */
  readonly readStage: (ref: StageRef) => Effect.Effect<StageRecord, KubeError | InventoryCollision>
  /**
   * `readStage` for a stage whose shards a `listStageSet` of the same run returned
   * (`listed`; undefined when it had none): the same record and the same check of shard 0's
   * name, without listing again.
   */
  readonly checkListedStage: (
    ref: StageRef,
    listed: StageRecord | undefined,
  ) => Effect.Effect<StageRecord, KubeError | InventoryCollision>
  /** Every stage record of one StageSet, found by the `stages.metio.wtf/stage-set` label. */
  readonly listStageSet: (
    namespace: string,
    stageSet: string,
  ) => Effect.Effect<ReadonlyArray<StageRecord>, KubeError>
  /** Every stage record of every StageSet in the cluster (for hand-over checks). */
  readonly listAll: () => Effect.Effect<ReadonlyArray<StageRecord>, KubeError>
  /**
   * Moves a stage's stored record from `current` to `desired` with as few shard writes as possible:
   * destinations before sources, shards above the needed count deleted last, highest first,
   * no shard ever above `shardCap`. Writes nothing when nothing changes. Returns the new record.
   */
  readonly writeStage: (
    current: StageRecord,
    desired: DesiredRecord,
    shardCap: number,
  ) => Effect.Effect<StageRecord, KubeError | InventoryCollision>
  /**
   * Repairs shards deleted by hand while the StageSet lives (semantics.md section 6.1):
   * each terminating shard's entries are written to another shard first, then it is
   * released, and a lost shard 0 is written afresh with its entries. `mode` is the
   * annotation a record of an earlier version gets. Returns the record after the repair
   * and what was moved where.
   */
  readonly repairStage: (
    record: StageRecord,
    shardCap: number,
    mode: InventoryMode,
  ) => Effect.Effect<
    {
      readonly record: StageRecord
      readonly repaired: ReadonlyArray<{ readonly index: number; readonly to: number }>
    },
    KubeError | InventoryCollision
  >
  /**
   * Adopts the record's legacy shards (the Go implementation's, `planAdoption`): our shards
   * are written with their entries first, then they are deleted. Returns the record after
   * the adoption (no legacy shard left); the record unchanged when it has none.
   */
  readonly adoptStage: (
    record: StageRecord,
    shardCap: number,
  ) => Effect.Effect<StageRecord, KubeError | InventoryCollision>
  /** Deletes every shard of a stage, highest index first. */
  readonly deleteStage: (record: StageRecord) => Effect.Effect<void, KubeError>
}

export class InventoryStore extends Context.Tag("stageset/InventoryStore")<
  InventoryStore,
  InventoryStoreApi
>() {}
