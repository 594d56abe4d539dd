import { Either } from "effect"

/**
 * Kubernetes label selectors with the full set-based syntax: `a=b`, `a==b`, `a!=b`, `a`, `!a`,
 * `a in (x,y)`, `a notin (x)`; a comma between requirements means AND.
 */

export type Labels = Readonly<Record<string, string>>

type Requirement =
  | { readonly op: "exists" | "notExists"; readonly key: string }
  | { readonly op: "in" | "notin"; readonly key: string; readonly values: ReadonlyArray<string> }

export interface LabelSelector {
  readonly requirements: ReadonlyArray<Requirement>
}

type Token =
  | { readonly kind: "word"; readonly text: string }
  | { readonly kind: "op"; readonly text: string }

const tokenize = (input: string): Either.Either<ReadonlyArray<Token>, string> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < input.length) {
    const char = input[i]!
    if (char === " " || char === "\t") {
      i++
    } else if (char === "!" && input[i + 1] === "=") {
      tokens.push({ kind: "op", text: "!=" })
      i += 2
    } else if (char === "=" && input[i + 1] === "=") {
      tokens.push({ kind: "op", text: "=" })
      i += 2
    } else if ("!=,()".includes(char)) {
      tokens.push({ kind: "op", text: char })
      i++
    } else if (/[A-Za-z0-9._/-]/.test(char)) {
      let end = i
      while (end < input.length && /[A-Za-z0-9._/-]/.test(input[end]!)) end++
      tokens.push({ kind: "word", text: input.slice(i, end) })
      i = end
    } else {
      return Either.left(`unable to parse requirement: invalid character ${JSON.stringify(char)}`)
    }
  }
  return Either.right(tokens)
}

/** Parses a selector string; the empty string selects everything. */
export const parseLabelSelector = (input: string): Either.Either<LabelSelector, string> =>
  Either.flatMap(tokenize(input), (tokens) => {
    const requirements: Array<Requirement> = []
    let i = 0
    const peek = () => tokens[i]
    const fail = (why: string) =>
      Either.left(`unable to parse requirement: ${why} in selector ${JSON.stringify(input)}`)
    while (i < tokens.length) {
      const first = tokens[i++]!
      if (first.kind === "op" && first.text === "!") {
        const key = tokens[i++]
        if (key?.kind !== "word") return fail("expected a key after '!'")
        requirements.push({ op: "notExists", key: key.text })
      } else if (first.kind === "word") {
        const next = peek()
        if (next === undefined || (next.kind === "op" && next.text === ",")) {
          requirements.push({ op: "exists", key: first.text })
        } else if (next.kind === "op" && (next.text === "=" || next.text === "!=")) {
          i++
          const value = peek()
          const text = value?.kind === "word" ? value.text : ""
          if (value?.kind === "word") i++
          requirements.push({
            op: next.text === "=" ? "in" : "notin",
            key: first.text,
            values: [text],
          })
        } else if (next.kind === "word" && (next.text === "in" || next.text === "notin")) {
          i++
          if (tokens[i++]?.text !== "(") return fail(`expected '(' after ${next.text}`)
          const values: Array<string> = []
          for (;;) {
            const token = tokens[i++]
            if (token === undefined) return fail("unterminated value list")
            if (token.kind === "word") values.push(token.text)
            else if (token.text === ")") break
            else if (token.text !== ",") return fail(`unexpected ${JSON.stringify(token.text)}`)
          }
          if (values.length === 0) return fail("empty value list")
          requirements.push({ op: next.text, key: first.text, values })
        } else {
          return fail(`unexpected ${JSON.stringify(next.text)} after key ${first.text}`)
        }
      } else {
        return fail(`unexpected ${JSON.stringify(first.text)}`)
      }
      const separator = tokens[i]
      if (separator !== undefined) {
        if (separator.text !== ",")
          return fail(`expected ',' but found ${JSON.stringify(separator.text)}`)
        i++
        if (i >= tokens.length) return fail("trailing ','")
      }
    }
    return Either.right({ requirements })
  })

export const matchesLabels = (selector: LabelSelector, labels: Labels | undefined): boolean =>
  selector.requirements.every((requirement) => {
    const value = labels?.[requirement.key]
    switch (requirement.op) {
      case "exists":
        return value !== undefined
      case "notExists":
        return value === undefined
      case "in":
        return value !== undefined && requirement.values.includes(value)
      default:
        return value === undefined || !requirement.values.includes(value)
    }
  })
