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
  withDetail,
} from "./status.ts"

/**
 * A Job is current once Complete, failed once Failed (or FailureTarget, which
 * the Job controller sets before it finishes terminating the pods of a job
 * that will fail), and in progress otherwise.
 */
export const jobStatus = (object: KubeObject): ObjectStatus => {
  const complete = findCondition(object, "Complete")
  if (complete?.status === "True") return current("job completed")
  for (const type of ["Failed", "FailureTarget"]) {
    const condition = findCondition(object, type)
    if (condition?.status === "True") return failed(withDetail("job failed", condition))
  }
  const spec = specOf(object)
  if (spec.suspend === true) return inProgress("job suspended")
  const status = statusOf(object)
  const succeeded = numberAt(status, "succeeded") ?? 0
  const completions = numberAt(spec, "completions")
  const active = numberAt(status, "active") ?? 0
  const failures = numberAt(status, "failed") ?? 0
  const done = completions === undefined ? `${succeeded}` : `${succeeded}/${completions}`
  return inProgress(`job running: ${done} succeeded, ${active} active, ${failures} failed`)
}
