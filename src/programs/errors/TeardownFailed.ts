import { Data } from "effect"

/** Teardown of a stage could not finish (a delete failed or an object did not go away in time). */
export class TeardownFailed extends Data.TaggedError("TeardownFailed")<{
  readonly stage: string
  readonly message: string
}> {}
