import { Data } from "effect"

/** Objects were deleted but are still present when the wait ran out (a finalizer that never clears). */
export class DeleteTimeout extends Data.TaggedError("DeleteTimeout")<{
  /** `Kind namespace/name` of each object still present. */
  readonly remaining: ReadonlyArray<string>
}> {
  override get message(): string {
    return `still present after the delete wait ran out (a finalizer that never clears?): ${this.remaining.join(", ")}`
  }
}
