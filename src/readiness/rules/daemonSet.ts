import type { KubeObject } from "../../kube/KubeObject.ts"
import {
  current,
  fieldsAt,
  inProgress,
  notYetObserved,
  numberAt,
  type ObjectStatus,
  specOf,
  statusOf,
  stringAt,
} from "./status.ts"

/**
 * A DaemonSet is current when a pod is scheduled on every node that should run
 * one, runs the new template (RollingUpdate only: OnDelete pods are replaced by
 * hand) and is available. Zero desired pods (no matching node) is current.
 */
export const daemonSetStatus = (object: KubeObject): ObjectStatus => {
  const unobserved = notYetObserved(object)
  if (unobserved !== undefined) return unobserved
  const status = statusOf(object)
  const desired = numberAt(status, "desiredNumberScheduled")
  if (desired === undefined)
    return inProgress("waiting for the DaemonSet controller to schedule pods")
  const scheduled = numberAt(status, "currentNumberScheduled") ?? 0
  const updated = numberAt(status, "updatedNumberScheduled") ?? 0
  const available = numberAt(status, "numberAvailable") ?? 0
  if (scheduled < desired) return inProgress(`${scheduled}/${desired} pods scheduled`)
  const strategy = stringAt(fieldsAt(specOf(object), "updateStrategy"), "type") ?? "RollingUpdate"
  if (strategy === "RollingUpdate" && updated < desired)
    return inProgress(`${updated}/${desired} pods updated`)
  if (available < desired) return inProgress(`${available}/${desired} pods available`)
  return current(`${available}/${desired} pods available`)
}
