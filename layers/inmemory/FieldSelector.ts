import { Either } from "effect"

/** Field selectors as every resource supports them: `metadata.name` and `metadata.namespace`. */

interface FieldRequirement {
  readonly field: "metadata.name" | "metadata.namespace"
  readonly equal: boolean
  readonly value: string
}

export interface FieldSelector {
  readonly requirements: ReadonlyArray<FieldRequirement>
}

export const parseFieldSelector = (input: string): Either.Either<FieldSelector, string> => {
  const requirements: Array<FieldRequirement> = []
  for (const raw of input.split(",")) {
    const part = raw.trim()
    if (part === "") continue
    const match = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part)
    if (match === null)
      return Either.left(`invalid selector: '${input}'; can't understand '${part}'`)
    const field = match[1]!
    if (field !== "metadata.name" && field !== "metadata.namespace")
      return Either.left(`field label not supported: ${field}`)
    requirements.push({ field, equal: match[2] !== "!=", value: match[3]!.trim() })
  }
  return Either.right({ requirements })
}

export const matchesFields = (
  selector: FieldSelector,
  meta: { readonly name: string; readonly namespace?: string },
): boolean =>
  selector.requirements.every((requirement) => {
    const actual = requirement.field === "metadata.name" ? meta.name : (meta.namespace ?? "")
    return (actual === requirement.value) === requirement.equal
  })
