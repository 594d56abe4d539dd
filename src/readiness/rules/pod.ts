import type { KubeObject } from "../../kube/KubeObject.ts"
import {
  current,
  failed,
  fieldsAt,
  findCondition,
  inProgress,
  type ObjectStatus,
  statusOf,
  stringAt,
  withDetail,
} from "./status.ts"

const crashLooping = (object: KubeObject): string | undefined => {
  const statuses = statusOf(object).containerStatuses
  if (!Array.isArray(statuses)) return undefined
  for (const container of statuses) {
    if (stringAt(fieldsAt(container, "state", "waiting"), "reason") === "CrashLoopBackOff")
      return stringAt(fieldsAt(container), "name") ?? "a container"
  }
  return undefined
}

/**
 * A Pod is current when Ready, or when it ran to completion (Succeeded). Phase
 * Failed is terminal, and so is CrashLoopBackOff, as kstatus counts it.
 */
export const podStatus = (object: KubeObject): ObjectStatus => {
  const status = statusOf(object)
  const phase = stringAt(status, "phase")
  if (phase === "Succeeded") return current("pod completed")
  if (phase === "Failed") {
    const detail = [stringAt(status, "reason"), stringAt(status, "message")]
      .filter((part) => part !== undefined && part !== "")
      .join(": ")
    return failed(detail === "" ? "pod failed" : `pod failed: ${detail}`)
  }
  const ready = findCondition(object, "Ready")
  if (ready?.status === "True") return current("pod ready")
  const looping = crashLooping(object)
  if (looping !== undefined) return failed(`container ${looping} is in CrashLoopBackOff`)
  const scheduled = findCondition(object, "PodScheduled")
  if (scheduled?.status === "False") return inProgress(withDetail("pod not scheduled", scheduled))
  return inProgress(`pod ${phase ?? "Pending"}, not ready`)
}
