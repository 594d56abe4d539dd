import { StageInventory } from "../../schemas/StageInventory.ts"
import { StageSet, stagesGroup } from "../../schemas/StageSet.ts"
import { APPLYSET_IS_PARENT_TYPE } from "../inventory/Labels.ts"
import { type CrdDefinition, type CustomResourceDefinition, crdFor } from "./crdFor.ts"

// Short names: `sset` rather than `ss`, which reads as StatefulSet to most
// users; `sinv` for inventories. Both kinds share the `stages` category, so
// `kubectl get stages` lists a namespace's StageSets and their inventories.
// Neither joins `all`: inventories are bookkeeping, not workloads.
const categories = ["stages"]

const readyCondition = '.status.conditions[?(@.type=="Ready")]'

export const stageSetDefinition: CrdDefinition = {
  group: stagesGroup,
  version: "v1",
  kind: "StageSet",
  plural: "stagesets",
  singular: "stageset",
  shortNames: ["sset"],
  categories,
  schema: StageSet,
  statusSubresource: true,
  printerColumns: [
    {
      name: "Ready",
      type: "string",
      jsonPath: `${readyCondition}.status`,
      description: "Whether every stage is applied and ready.",
    },
    {
      name: "Reason",
      type: "string",
      jsonPath: `${readyCondition}.reason`,
      description: "Why the StageSet is or is not ready.",
    },
    {
      name: "Mode",
      type: "string",
      jsonPath: ".status.inventoryMode",
      description: "The inventory mode the stored inventories satisfy.",
    },
    {
      name: "Age",
      type: "date",
      jsonPath: ".metadata.creationTimestamp",
      description: "Time since the StageSet was created.",
    },
    {
      name: "Message",
      type: "string",
      jsonPath: `${readyCondition}.message`,
      description: "Details of the Ready condition.",
      priority: 1,
    },
  ],
}

// A JSONPath cannot count list items, so there is no Entries column; the
// StageSet's status.stages[].entriesCount carries the number instead.
export const stageInventoryDefinition: CrdDefinition = {
  group: stagesGroup,
  version: "v1",
  kind: "StageInventory",
  plural: "stageinventories",
  singular: "stageinventory",
  shortNames: ["sinv"],
  categories,
  schema: StageInventory,
  statusSubresource: false,
  // kubectl accepts a kind as an ApplySet parent only when its CRD says so.
  labels: { [APPLYSET_IS_PARENT_TYPE]: "true" },
  printerColumns: [
    {
      name: "StageSet",
      type: "string",
      jsonPath: ".metadata.labels.stages\\.metio\\.wtf/stage-set",
      description: "The StageSet the inventory belongs to.",
    },
    {
      name: "Stage",
      type: "string",
      jsonPath: ".metadata.labels.stages\\.metio\\.wtf/stage",
      description: "The stage the inventory records.",
    },
    {
      name: "Shard",
      type: "string",
      jsonPath: ".metadata.labels.stages\\.metio\\.wtf/shard",
      description: "Shard index within the stage.",
    },
    {
      name: "Position",
      type: "integer",
      jsonPath: ".spec.stagePosition",
      description: "The stage's index in the StageSet when written.",
    },
    {
      name: "Age",
      type: "date",
      jsonPath: ".metadata.creationTimestamp",
      description: "Time since the inventory was created.",
    },
  ],
}

/** Every CRD this controller owns, in install order. */
export const allCrds = (): ReadonlyArray<CustomResourceDefinition> => [
  crdFor(stageSetDefinition),
  crdFor(stageInventoryDefinition),
]
