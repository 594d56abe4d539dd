import { Data } from "effect"

/** The StageSet cannot be rolled out as written (field path or colliding owner in the message). Nothing is applied. */
export class InvalidSpec extends Data.TaggedError("InvalidSpec")<{ readonly message: string }> {}
