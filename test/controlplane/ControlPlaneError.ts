import { Data } from "effect"

export class ControlPlaneError extends Data.TaggedError("ControlPlaneError")<{
  readonly message: string
  readonly cause?: unknown
}> {}
