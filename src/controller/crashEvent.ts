import { Cause, Duration, Predicate } from "effect"
import type { RunEvent } from "../programs/RunEvent.ts"

const MAX_DETAIL = 300

/** The first line of what broke: a tagged error's tag and message, or a defect's message. */
const detailOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const tag = Predicate.hasProperty(error, "_tag") ? String(error._tag) : undefined
  const message = Predicate.hasProperty(error, "message") ? String(error.message) : String(error)
  const line = (tag === undefined ? message : `${tag}: ${message}`).split("\n")[0] ?? ""
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL)}...` : line
}

/**
 * The Warning a StageSet gets when its reconcile did not finish (an error that escaped the
 * programs, or a defect): without it `kubectl describe` would show nothing while the
 * controller's log fills up. The status is left as it was: the run never reached a verdict.
 */
export const crashEvent = (cause: Cause.Cause<unknown>, retryIn: Duration.Duration): RunEvent => ({
  type: "Warning",
  reason: "ReconcileError",
  message: `reconcile did not finish (${detailOf(cause)}); retrying in ${Duration.format(retryIn)}`,
})
