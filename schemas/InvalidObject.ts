import { Effect, ParseResult, Schema } from "effect"

/** One reason an object was rejected, at the field path a user can find in their YAML. */
export const InvalidField = Schema.Struct({
  path: Schema.String,
  message: Schema.String,
})

export type InvalidField = typeof InvalidField.Type

/**
 * An object failed its schema. The message lists every offending field as
 * `spec.stages[1].name: ...` so an InvalidSpec condition or a CLI error points
 * straight at the line to fix.
 */
export class InvalidObject extends Schema.TaggedError<InvalidObject>()("InvalidObject", {
  kind: Schema.String,
  /** `namespace/name` when the input carried one, for messages only. */
  object: Schema.optionalWith(Schema.String, { exact: true }),
  issues: Schema.Array(InvalidField),
}) {
  override get message(): string {
    const subject = this.object === undefined ? this.kind : `${this.kind} ${this.object}`
    const details = this.issues.map((issue) =>
      issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`,
    )
    return `${subject} is invalid: ${details.join("; ")}`
  }
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** `["spec", "stages", 1, "name"]` -> `spec.stages[1].name`; odd keys get brackets. */
export const formatFieldPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`
    const text = String(key)
    if (!identifier.test(text)) return `${out}[${JSON.stringify(text)}]`
    return out === "" ? text : `${out}.${text}`
  }, "")

const objectName = (input: unknown): string | undefined => {
  if (typeof input !== "object" || input === null) return undefined
  const metadata = (input as { readonly metadata?: unknown }).metadata
  if (typeof metadata !== "object" || metadata === null) return undefined
  const { name, namespace } = metadata as { readonly name?: unknown; readonly namespace?: unknown }
  if (typeof name !== "string") return undefined
  return typeof namespace === "string" && namespace !== "" ? `${namespace}/${name}` : name
}

/** Turns a ParseError into an InvalidObject that names every failing field. */
export const toInvalidObject = (
  kind: string,
  input: unknown,
  error: ParseResult.ParseError,
): InvalidObject => {
  const object = objectName(input)
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    path: formatFieldPath(issue.path),
    message: issue.message,
  }))
  return new InvalidObject(object === undefined ? { kind, issues } : { kind, object, issues })
}

/**
 * A decoder reporting every problem at once (`errors: "all"`): a user fixing a
 * manifest wants the whole list, not one round trip per mistake.
 */
export const decoderFor =
  <A, I>(schema: Schema.Schema<A, I>, kind: string) =>
  (input: unknown): Effect.Effect<A, InvalidObject> =>
    Schema.decodeUnknown(schema, { errors: "all" })(input).pipe(
      Effect.mapError((error) => toInvalidObject(kind, input, error)),
    )
