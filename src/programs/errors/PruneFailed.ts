import { Data } from "effect"

/** Some objects a stage no longer renders could not be deleted; they stay recorded and are retried. */
export class PruneFailed extends Data.TaggedError("PruneFailed")<{
  readonly stage: string
  readonly message: string
}> {}
