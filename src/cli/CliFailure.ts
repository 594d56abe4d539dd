import { Data } from "effect"
import type { KubeError } from "../kube/KubeError.ts"

/**
 * Exit codes of stagesetctl, the Go implementation's: 0 ok; 1 "found something", only for
 * `diff` and `plan` (changes pending), so they can gate a pipeline; 2 usage (a flag or
 * argument refused); 3 runtime (the cluster, the StageSet, a render or a wait failed).
 */
export const EXIT_FOUND = 1
export const EXIT_USAGE = 2
export const EXIT_RUNTIME = 3

/** A failure the CLI reports as one line on stderr and an exit code. */
export class CliFailure extends Data.TaggedError("CliFailure")<{
  readonly message: string
  readonly exitCode: number
}> {}

export const failure = (message: string, exitCode = EXIT_RUNTIME): CliFailure =>
  new CliFailure({ message, exitCode })

/** A flag or argument the command refuses (exit 2). */
export const usageFailure = (message: string): CliFailure => failure(message, EXIT_USAGE)

/** An outcome already printed that exits 1: `diff` or `plan` found changes. */
export const foundSomething: CliFailure = failure("", EXIT_FOUND)

/** What was being done, for the messages: `get`, `stagesets`, `"x"` in namespace `y`. */
export interface Attempt {
  readonly verb: string
  readonly resource: string
  readonly name?: string
  readonly namespace?: string
}

const where = (attempt: Attempt) =>
  attempt.namespace === undefined ? "" : ` in namespace "${attempt.namespace}"`

/** Turns an API error into the sentence kubectl users expect. */
export const fromKubeError = (error: KubeError, attempt: Attempt): CliFailure => {
  switch (error._tag) {
    case "KubeNotFound":
      return attempt.name === undefined
        ? failure(`${attempt.resource} not found${where(attempt)}: ${error.message}`)
        : failure(`${attempt.resource} "${attempt.name}" not found${where(attempt)}`)
    case "KubeForbidden":
      return failure(
        `forbidden: cannot ${attempt.verb} ${attempt.resource}${where(attempt)} (HTTP ${error.status}): ${error.message}`,
      )
    case "KubeTransport":
      return failure(
        `cannot reach the cluster (${error.request}): ${error.message}${error.status === undefined ? "" : ` (HTTP ${error.status})`}`,
      )
    case "KubeConflict":
      return failure(
        `conflict while trying to ${attempt.verb} ${attempt.resource}${attempt.name === undefined ? "" : ` "${attempt.name}"`}: ${error.message}`,
      )
    default:
      return failure(`${attempt.verb} ${attempt.resource} failed: ${error.message}`)
  }
}
