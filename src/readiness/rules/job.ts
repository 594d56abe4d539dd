import type { KubeObject } from "../../kube/KubeObject.ts"
import {
  current,
  failed,
  findCondition,
  inProgress,
  numberAt,
  type ObjectStatus,
  specOf,
  statusOf,
  stringAt,
  withDetail,
} from "./status.ts"

/**
 * A Job as kstatus judges it (and so Flux, kpt and the Go stageset-controller): Failed once
 * its Failed condition is true, Current once Complete and also as soon as it has started
 * (`status.startTime` set), in progress only until then. Readiness means "running", not
 * "finished": a stage that must wait for a Job to complete says so with a
 * `readyChecks.exprs` rule, e.g. `current: status.succeeded > 0`.
 */
export const jobStatus = (object: KubeObject): ObjectStatus => {
  const status = statusOf(object)
  const spec = specOf(object)
  const succeeded = numberAt(status, "succeeded") ?? 0
  const failures = numberAt(status, "failed") ?? 0
  const active = numberAt(status, "active") ?? 0
  const completions = numberAt(spec, "completions") ?? numberAt(spec, "parallelism") ?? 1
  const complete = findCondition(object, "Complete")
  if (complete?.status === "True")
    return current(`job completed: ${succeeded}/${completions} succeeded`)
  const failure = findCondition(object, "Failed")
  if (failure?.status === "True") return failed(withDetail("job failed", failure))
  if (stringAt(status, "startTime") === undefined) return inProgress("job not started")
  return current(
    `job started: ${succeeded}/${completions} succeeded, ${active} active, ${failures} failed`,
  )
}
