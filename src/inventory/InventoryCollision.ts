import { Data } from "effect"

/** A shard name `<stageset>-<stage>-<k>` is already held by another StageSet/stage (the seed's names are not injective). */
export class InventoryCollision extends Data.TaggedError("InventoryCollision")<{
  readonly namespace: string
  readonly name: string
  /** The owner recorded in the shard's labels. */
  readonly ownerStageSet: string
  readonly ownerStage: string
}> {
  override get message(): string {
    return `StageInventory ${this.namespace}/${this.name} belongs to StageSet ${this.ownerStageSet} (stage ${this.ownerStage}); rename the StageSet or the stage so their inventory names differ`
  }
}

/**
 * The collision guard (semantics.md section 3): a stored shard whose `stage-set`/`stage`
 * labels name another owner than the stage about to write it is never written over.
 */
export const collisionOf = (
  shard: {
    readonly namespace: string
    readonly name: string
    readonly stageSet: string | undefined
    readonly stage: string | undefined
  },
  writer: { readonly stageSet: string; readonly stage: string },
): InventoryCollision | undefined =>
  shard.stageSet === writer.stageSet && shard.stage === writer.stage
    ? undefined
    : new InventoryCollision({
        namespace: shard.namespace,
        name: shard.name,
        ownerStageSet: shard.stageSet ?? "",
        ownerStage: shard.stage ?? "",
      })
