import { Schema } from "effect"
import { decoderFor } from "./InvalidObject.ts"
import { defaultedField, optionalField } from "./k8s/fields.ts"
import { ObjectMeta } from "./k8s/ObjectMeta.ts"
import { stagesApiVersion } from "./StageSet.ts"

/** One applied object, by identity only: never its contents. */
export const InventoryEntry = Schema.Struct({
  id: Schema.String.annotations({
    description: "Identity of the object: namespace_name_group_kind.",
  }),
  v: Schema.String.annotations({ description: "The API version the object was applied at." }),
}).annotations({ description: "An object the stage applied." })
export type InventoryEntry = typeof InventoryEntry.Type

export const StageInventorySpec = Schema.Struct({
  // Optional with default 0: the Go implementation omits it for the first stage, and its
  // shards must stay readable (and adoptable) under this CRD.
  stagePosition: defaultedField(
    Schema.Int.pipe(Schema.nonNegative()),
    0,
    "The stage's index in the StageSet's spec.stages when written; 0 when absent.",
  ),
  entries: optionalField(
    Schema.Array(InventoryEntry),
    "Objects the stage applied; absent in applyset mode.",
  ),
}).annotations({
  description: "The record. It lives in spec so backups that restore spec keep the prune history.",
})
export type StageInventorySpec = typeof StageInventorySpec.Type

/**
 * StageInventory, exactly as the seed shows it. Written only by the controller;
 * no status, no ownerReferences (a restored StageSet has a new uid).
 */
export const StageInventory = Schema.Struct({
  apiVersion: Schema.Literal(stagesApiVersion),
  kind: Schema.Literal("StageInventory"),
  metadata: ObjectMeta,
  spec: StageInventorySpec,
}).annotations({
  description: "StageInventory records which objects one stage of a StageSet applied.",
})
export type StageInventory = typeof StageInventory.Type
export type StageInventoryEncoded = typeof StageInventory.Encoded

/** Decodes a StageInventory; the error names every offending field path. */
export const decodeStageInventory = decoderFor(StageInventory, "StageInventory")

/** Encodes a StageInventory to its wire form. */
export const encodeStageInventory: (inventory: StageInventory) => StageInventoryEncoded =
  Schema.encodeSync(StageInventory)
