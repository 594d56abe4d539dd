/**
 * StageInventory shards exactly as the public Go stageset-controller writes them (facts of
 * its format, for adoption tests): named `<stageset>-<stage>-NN-<hash>`, where NN is the
 * shard index in two digits and the hash is the first ten hex digits of sha256 over
 * `<len(stageset)>/<stageset>/<len(stage)>/<stage>/<index>`; the three labels; spec with
 * `stagePosition` and `entries` left out when zero or empty; and a controller owner
 * reference to the StageSet. No finalizer, no ApplySet metadata.
 */
import { createHash } from "node:crypto"
import type { Entry } from "../../../src/inventory/Entry.ts"
import {
  API_VERSION,
  LABEL_SHARD,
  LABEL_STAGE,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
  STAGE_SET_KIND,
} from "../../../src/inventory/Labels.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const MAX_NAME = 253

/** The name the Go implementation gives shard `index` of a stage. */
export const goShardName = (stageSet: string, stage: string, index: number): string => {
  const hash = createHash("sha256")
    .update(`${stageSet.length}/${stageSet}/${stage.length}/${stage}/${index}`)
    .digest("hex")
    .slice(0, 10)
  const readable = `${stageSet}-${stage}-${String(index).padStart(2, "0")}`
  return readable.length + 1 + hash.length <= MAX_NAME
    ? `${readable}-${hash}`
    : `${readable.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, "")}-${hash}`
}

export interface GoShardInput {
  readonly namespace: string
  readonly stageSet: string
  /** The StageSet's uid, for the owner reference. */
  readonly stageSetUid: string
  readonly stage: string
  readonly index: number
  readonly position: number
  readonly entries: ReadonlyArray<Entry>
}

/** One shard as the Go implementation writes it. */
export const goShard = (input: GoShardInput): KubeObject => ({
  apiVersion: API_VERSION,
  kind: STAGE_INVENTORY_KIND,
  metadata: {
    name: goShardName(input.stageSet, input.stage, input.index),
    namespace: input.namespace,
    labels: {
      [LABEL_STAGE_SET]: input.stageSet,
      [LABEL_STAGE]: input.stage,
      [LABEL_SHARD]: String(input.index),
    },
    ownerReferences: [
      {
        apiVersion: API_VERSION,
        kind: STAGE_SET_KIND,
        name: input.stageSet,
        uid: input.stageSetUid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  spec: {
    ...(input.position === 0 ? {} : { stagePosition: input.position }),
    ...(input.entries.length === 0 ? {} : { entries: input.entries }),
  },
})
