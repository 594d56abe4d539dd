import type { FieldChange } from "./diffObjects.ts"
import type { ObjectChange } from "./previewStageSet.ts"

const SIGN = { create: "+", configure: "~", delete: "-" } as const
const LONGEST_VALUE = 120

/** `Kind/name -n namespace` (`Kind/name` when cluster-scoped), as kubectl users write it. */
export const formatObjectName = (change: Pick<ObjectChange, "kind" | "name" | "namespace">) =>
  `${change.kind}/${change.name}${change.namespace === "" ? "" : ` -n ${change.namespace}`}`

/** A field value on one line: JSON, cut short when long; `(absent)` for a missing field. */
export const formatValue = (value: unknown): string => {
  if (value === undefined) return "(absent)"
  const text = JSON.stringify(value)
  return text.length > LONGEST_VALUE ? `${text.slice(0, LONGEST_VALUE - 1)}…` : text
}

const formatField = (field: FieldChange) =>
  `    ${field.path}: ${formatValue(field.before)} -> ${formatValue(field.after)}`

/** The note a delete of a state-bearing object carries, in `diff` and `plan`. */
export const STATE_BEARING_NOTE = "state-bearing: deleting it destroys its data"

/**
 * One change as `diff` prints it: a line per object (`+` create, `~` configure, `-` delete)
 * naming its stage, then for a configure one line per changed field with old and new value.
 */
export const formatChange = (change: ObjectChange): string => {
  const note = change.stateBearing ? ` (${STATE_BEARING_NOTE})` : ""
  const head = `${SIGN[change.action]} ${change.action} ${formatObjectName(change)} [stage ${change.stage}]${note}`
  return [head, ...change.fields.map(formatField)].join("\n")
}
