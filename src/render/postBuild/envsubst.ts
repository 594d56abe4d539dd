/**
 * Flux's post-build substitution language, in strict mode, as its envsubst package
 * documents and evaluates it (Flux's docs point users to it; the Go stageset-controller
 * uses it strictly). Pure. Rules:
 *
 * - Only `${...}` expands; `$var` without braces is text. `$$` is an escaped `$`, so
 *   `$${var}` gives the text `${var}`.
 * - `${var}` is the variable's value; an undefined variable is an error (strict), unless
 *   the expression supplies a default.
 * - Defaults: `${var:=word}`, `${var:-word}`, `${var=word}` (and `:?`, `:+`) give `word`
 *   when the variable is undefined or empty; `word` may hold further `${...}`.
 * - `${#var}` length, `${var^}` `${var^^}` `${var,}` `${var,,}` case, `${var:offset}` and
 *   `${var:offset:length}` substrings, `${var#glob}` `${var##glob}` `${var%glob}`
 *   `${var%%glob}` trims, `${var/text/repl}` `${var//text/repl}` `${var/#text/repl}`
 *   `${var/%text/repl}` replacements (`\/` for a slash inside them).
 * - Anything else inside `${...}` is a syntax error (`${var-x}`, `${a.b}`, `${}`).
 *
 * Values are inserted as they are, never read again as expressions.
 */
import { Either } from "effect"

type Node =
  | { readonly _tag: "Text"; readonly text: string }
  | {
      readonly _tag: "Expansion"
      readonly name: string
      /** The operator: "" (plain), "#", "##", ":=", "/", ... */
      readonly op: string
      readonly args: ReadonlyArray<Node>
    }

export type SubstitutionError =
  | { readonly _tag: "Syntax"; readonly message: string; readonly offset: number }
  | { readonly _tag: "Undefined"; readonly name: string }

class BadSubstitution {
  readonly message: string
  readonly offset: number
  constructor(message: string, offset: number) {
    this.message = message
    this.offset = offset
  }
}

const isIdent = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c)

class Parser {
  pos = 0
  readonly s: string
  constructor(s: string) {
    this.s = s
  }

  fail(message: string): never {
    throw new BadSubstitution(message, this.pos)
  }

  peek(offset = 0): string | undefined {
    return this.s[this.pos + offset]
  }

  opens(): boolean {
    return this.peek() === "$" && this.peek(1) === "{"
  }

  template(): ReadonlyArray<Node> {
    const nodes: Array<Node> = []
    let text = ""
    while (this.pos < this.s.length) {
      if (this.opens()) {
        if (text !== "") nodes.push({ _tag: "Text", text })
        text = ""
        this.pos += 2
        nodes.push(this.expansion())
      } else if (this.peek() === "$" && this.peek(1) === "$") {
        text += "$"
        this.pos += 2
      } else {
        text += this.peek()
        this.pos++
      }
    }
    if (text !== "") nodes.push({ _tag: "Text", text })
    return nodes
  }

  ident(): string {
    const start = this.pos
    while (isIdent(this.peek())) this.pos++
    return this.s.slice(start, this.pos)
  }

  close(message = "bad substitution"): void {
    if (this.peek() !== "}") this.fail(message)
    this.pos++
  }

  /** After `${`: one expansion up to and including its `}`. */
  expansion(): Node {
    if (this.peek() === "#") {
      this.pos++
      const name = this.ident()
      if (name === "") this.fail("bad substitution")
      this.close()
      return { _tag: "Expansion", name, op: "#", args: [] }
    }
    const name = this.ident()
    if (name === "") this.fail("unable to parse variable name")
    const c = this.peek()
    if (c === ":") {
      const next = this.peek(1)
      if (next !== undefined && "=-?+".includes(next)) {
        this.pos += 2
        return this.defaulted(name, `:${next}`)
      }
      this.pos++
      return this.substring(name)
    }
    if (c === "=") {
      this.pos++
      return this.defaulted(name, "=")
    }
    if (c === "," || c === "^") {
      let op = ""
      while (op.length < 2 && (this.peek() === "," || this.peek() === "^")) op += this.s[this.pos++]
      this.close()
      return { _tag: "Expansion", name, op, args: [] }
    }
    if (c === "/") return this.replace(name)
    if (c === "#" || c === "%") {
      let op = ""
      while (op.length < 2 && this.peek() === c) op += this.s[this.pos++]
      const pattern = this.param((ch) => ch !== "}", false)
      this.close()
      return { _tag: "Expansion", name, op, args: [pattern] }
    }
    this.close("missing closing brace")
    return { _tag: "Expansion", name, op: "", args: [] }
  }

  defaulted(name: string, op: string): Node {
    const args: Array<Node> = []
    while (this.peek() !== "}") args.push(this.param((ch) => ch !== "}", false))
    this.pos++
    return { _tag: "Expansion", name, op, args }
  }

  substring(name: string): Node {
    const args = [this.param((ch) => ch !== ":" && ch !== "}", false)]
    if (this.peek() === "}") {
      this.pos++
      return { _tag: "Expansion", name, op: ":", args }
    }
    if (this.peek() !== ":") this.fail("bad substitution")
    while (this.peek() === ":") this.pos++
    args.push(this.param((ch) => ch !== "}", false))
    this.close()
    return { _tag: "Expansion", name, op: ":", args }
  }

  replace(name: string): Node {
    let op = "/"
    this.pos++
    const mode = this.peek()
    if (mode === "/" || mode === "#" || mode === "%") {
      op += mode
      this.pos++
    }
    const pattern: Node =
      this.peek() === "/" ? { _tag: "Text", text: "" } : this.param((ch) => ch !== "/", true)
    if (this.peek() !== "/") this.fail("bad substitution")
    this.pos++
    if (this.peek() === "}") {
      this.pos++
      return { _tag: "Expansion", name, op, args: [pattern] }
    }
    const replacement = this.param((ch) => ch !== "}", true)
    this.close()
    return { _tag: "Expansion", name, op, args: [pattern, replacement] }
  }

  /**
   * One argument: a nested `${...}`, or text up to a character `accept` refuses or the
   * next `${`. With `escapes`, `$$`, `\/` and `\\` stand for `$`, `/` and `\`.
   */
  param(accept: (c: string) => boolean, escapes: boolean): Node {
    if (this.opens()) {
      this.pos += 2
      return this.expansion()
    }
    let text = ""
    while (this.pos < this.s.length && !this.opens()) {
      const c = this.s[this.pos]!
      const next = this.peek(1)
      if (
        escapes &&
        ((c === "$" && next === "$") || (c === "\\" && (next === "/" || next === "\\")))
      ) {
        text += next
        this.pos += 2
        continue
      }
      if (!accept(c)) break
      text += c
      this.pos++
    }
    if (text === "") this.fail("unable to parse substitution within function")
    return { _tag: "Text", text }
  }
}

const utf8 = new TextEncoder()

/** Go's `strconv.Atoi`: an optional sign and decimal digits, nothing else. */
const atoi = (text: string): number | undefined =>
  /^[+-]?\d+$/.test(text) ? Number.parseInt(text, 10) : undefined

/** Byte offsets, as the Go implementation slices strings. */
const substring = (value: string, args: ReadonlyArray<string>): string => {
  const bytes = Buffer.from(value, "utf8")
  let pos = atoi(args[0] ?? "")
  if (pos === undefined) return value
  if (pos < 0) pos = Math.max(0, bytes.length + pos)
  if (args.length === 1) return pos < bytes.length ? bytes.subarray(pos).toString("utf8") : ""
  const length = atoi(args[1] ?? "")
  if (length === undefined) return value
  if (length < 0) {
    const end = bytes.length + length
    return end < pos ? "" : bytes.subarray(pos, end).toString("utf8")
  }
  if (pos >= bytes.length) return ""
  return bytes.subarray(pos, Math.min(bytes.length, pos + length)).toString("utf8")
}

/** A shell glob (`*` matches any text, `/` included; `?` one character; `[...]` a class). */
const globRegExp = (pattern: string): RegExp | undefined => {
  let source = ""
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === "*") source += "[\\s\\S]*"
    else if (c === "?") source += "[\\s\\S]"
    else if (c === "\\") {
      const next = pattern[++i]
      if (next === undefined) return undefined
      source += next.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2)
      if (end < 0) return undefined
      let body = pattern.slice(i + 1, end)
      const negated = body.startsWith("^") || body.startsWith("!")
      if (negated) body = body.slice(1)
      source += `[${negated ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`
      i = end
    } else source += c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")
  }
  try {
    return new RegExp(`^${source}$`, "u")
  } catch {
    return undefined
  }
}

const reverse = (text: string): string => [...text].reverse().join("")

/** Strips the shortest or longest prefix matching `pattern`; a bad pattern changes nothing. */
const trimPrefix = (value: string, pattern: string, longest: boolean): string => {
  const glob = globRegExp(pattern)
  if (glob === undefined) return value
  let match: string | undefined
  for (let end = value.length; end > 0; end--) {
    if (glob.test(value.slice(0, end))) {
      match = value.slice(0, end)
      if (longest) break
    }
  }
  return match === undefined ? value : value.slice(match.length)
}

const trimSuffix = (value: string, pattern: string, longest: boolean): string =>
  reverse(trimPrefix(reverse(value), reverse(pattern), longest))

const replaceAll = (value: string, search: string, replacement: string): string =>
  search === ""
    ? `${[...value].map((c) => replacement + c).join("")}${replacement}`
    : value.split(search).join(replacement)

const apply = (op: string, value: string, args: ReadonlyArray<string>): string => {
  switch (op) {
    case ",":
      return value === "" ? value : value[0]!.toLowerCase() + value.slice(1)
    case ",,":
      return value.toLowerCase()
    case "^":
      return value === "" ? value : value[0]!.toUpperCase() + value.slice(1)
    case "^^":
      return value.toUpperCase()
    case "#":
      return args.length === 0
        ? String(utf8.encode(value).length)
        : trimPrefix(value, args[0]!, false)
    case "##":
      return trimPrefix(value, args[0] ?? "", true)
    case "%":
      return trimSuffix(value, args[0] ?? "", false)
    case "%%":
      return trimSuffix(value, args[0] ?? "", true)
    case ":":
      return substring(value, args)
    case "/": {
      const [search = "", replacement = ""] = args
      const at = value.indexOf(search)
      return at < 0 ? value : value.slice(0, at) + replacement + value.slice(at + search.length)
    }
    case "//":
      return replaceAll(value, args[0] ?? "", args[1] ?? "")
    case "/#":
      if (args.length !== 2) return value
      return value.startsWith(args[0]!) ? args[1]! + value.slice(args[0]!.length) : value
    case "/%":
      if (args.length !== 2) return value
      return value.endsWith(args[0]!)
        ? value.slice(0, value.length - args[0]!.length) + args[1]!
        : value
    default:
      // Plain `${var}`, the default operators, and mixed casing operators Flux leaves as is.
      return value === "" && args.length > 0 ? args.join("") : value
  }
}

const DEFAULT_OPS = new Set(["=", ":=", ":-", ":?", ":+"])

class Undefined {
  readonly name: string
  constructor(name: string) {
    this.name = name
  }
}

const evaluate = (
  nodes: ReadonlyArray<Node>,
  lookup: (name: string) => string | undefined,
): string =>
  nodes
    .map((node) => {
      if (node._tag === "Text") return node.text
      // Arguments first, as Flux does: an undefined variable in a default is an error too.
      const args = node.args.map((arg) => evaluate([arg], lookup))
      const value = lookup(node.name)
      if (value === undefined && !DEFAULT_OPS.has(node.op)) throw new Undefined(node.name)
      return apply(node.op, value ?? "", args)
    })
    .join("")

/**
 * `text` with every `${...}` expanded from `lookup` (undefined: no such variable), or the
 * first syntax error or undefined variable.
 */
export const substitute = (
  text: string,
  lookup: (name: string) => string | undefined,
): Either.Either<string, SubstitutionError> => {
  try {
    return Either.right(evaluate(new Parser(text).template(), lookup))
  } catch (error) {
    if (error instanceof BadSubstitution)
      return Either.left({ _tag: "Syntax", message: error.message, offset: error.offset })
    if (error instanceof Undefined) return Either.left({ _tag: "Undefined", name: error.name })
    throw error
  }
}
