import { Data } from "effect"

/** A stage could not be applied for a reason other than a conflict (e.g. the server rejected an object). */
export class StageFailed extends Data.TaggedError("StageFailed")<{
  readonly stage: string
  readonly message: string
}> {}
