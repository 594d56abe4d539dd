/** The JSON Schema keywords a CRD schema may carry, and the order they are written in. */
import { Order } from "effect"

// Keywords JSONSchemaProps (apiextensions.k8s.io/v1) supports and we emit.
export const allowedKeys = new Set([
  "description",
  "type",
  "format",
  "title",
  "default",
  "nullable",
  "enum",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "multipleOf",
  "maxLength",
  "minLength",
  "pattern",
  "maxItems",
  "minItems",
  "maxProperties",
  "minProperties",
  "required",
  "items",
  "properties",
  "additionalProperties",
  "allOf",
  "example",
])

// Metadata that means nothing to the API server: Effect's internal ids, the
// auto-generated titles of refinements (`maxLength(63)`), examples.
export const droppedKeys = new Set(["$schema", "$id", "$comment", "$defs", "title", "examples"])

// Keys that describe rather than validate: the outer node's copy wins on merge.
export const annotationKeys = new Set([
  "description",
  "title",
  "default",
  "examples",
  "$comment",
  "$id",
])

// Order in which keys are written, so the YAML reads top-down and diffs stay small.
const keyOrder = [
  "description",
  "type",
  "format",
  "nullable",
  "default",
  "enum",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "allOf",
  "required",
  "properties",
  "additionalProperties",
  "items",
]

export const sortKeys = <T extends { readonly [key: string]: unknown }>(node: T): T => {
  const rank = (key: string) => {
    const index = keyOrder.indexOf(key)
    return index === -1 ? keyOrder.length : index
  }
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || Order.string(a, b))
  return Object.fromEntries(keys.map((key) => [key, node[key]])) as T
}
