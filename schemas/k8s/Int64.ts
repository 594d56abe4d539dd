import { Schema } from "effect"

// The format goes on the Int refinement itself: annotating a later refinement
// with `jsonSchema` would replace that refinement's own keywords (minimum, ...).
// `type` must stay in the annotation or the JSON schema falls back to number.

/** A Kubernetes int64 field, such as a generation. */
export const Int64 = Schema.Int.annotations({ jsonSchema: { type: "integer", format: "int64" } })

/** An int64 that cannot be negative, such as observedGeneration. */
export const NonNegativeInt64 = Int64.pipe(Schema.nonNegative())
