import { Data } from "effect"

/**
 * The StageSet asks for something of the Go implementation's API that this controller
 * does not do (api.md, "Compatibility with the public Go implementation"). Nothing is
 * applied or pruned; retrying cannot help until the spec changes.
 */
export class Unsupported extends Data.TaggedError("Unsupported")<{
  /** Field paths as a user finds them in their YAML, e.g. `spec.stages[1].actions`. */
  readonly fields: ReadonlyArray<string>
}> {
  override get message(): string {
    const [only, ...more] = this.fields
    return more.length === 0
      ? `${only} is not supported by this controller`
      : `${this.fields.join(", ")} are not supported by this controller`
  }
}
