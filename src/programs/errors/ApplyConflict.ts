import { Data } from "effect"

/** The API server refused an apply under the stage's conflict policy (field owned elsewhere, immutable field). */
export class ApplyConflict extends Data.TaggedError("ApplyConflict")<{
  /** `Kind namespace/name`. */
  readonly object: string
  /** The API server's message, verbatim. */
  readonly message: string
}> {}
