import { Schema } from "effect"
import { optionalField } from "./fields.ts"
import { NonNegativeInt64 } from "./Int64.ts"
import { ListMap } from "./ListMap.ts"
import { StringEnum } from "./StringEnum.ts"

/** Whether a condition holds; kstatus and Flux tooling read exactly these strings. */
export const ConditionStatus = StringEnum("True", "False", "Unknown").annotations({
  description: "Status of the condition: True, False or Unknown.",
})

export type ConditionStatus = typeof ConditionStatus.Type

// The constraints are metav1.Condition's own, so a condition this schema accepts
// is one any Kubernetes tool accepts too.
const conditionTypePattern =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/
const reasonPattern = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/

/** metav1.Condition: one aspect of an object's state, e.g. Ready. */
export const Condition = Schema.Struct({
  type: Schema.String.pipe(Schema.maxLength(316), Schema.pattern(conditionTypePattern)).annotations(
    {
      description: "Type of the condition in CamelCase, e.g. Ready.",
    },
  ),
  status: ConditionStatus,
  observedGeneration: optionalField(
    NonNegativeInt64,
    "The metadata.generation the condition was computed from.",
  ),
  lastTransitionTime: Schema.String.annotations({
    description: "RFC 3339 time the status last changed.",
    jsonSchema: { format: "date-time" },
  }),
  reason: Schema.String.pipe(
    Schema.minLength(1),
    Schema.maxLength(1024),
    Schema.pattern(reasonPattern),
  ).annotations({ description: "Machine-readable CamelCase reason for the last transition." }),
  message: Schema.String.pipe(Schema.maxLength(32768)).annotations({
    description: "Human-readable details about the last transition.",
  }),
}).annotations({ description: "One observed aspect of the object's state." })

export type Condition = typeof Condition.Type

/** Conditions keyed by type, as Kubernetes status conventions require. */
export const Conditions = ListMap(Condition, "type").annotations({
  description: "Observations of the object's state, at most one per type.",
})
