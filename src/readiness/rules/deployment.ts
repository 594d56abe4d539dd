import type { KubeObject } from "../../kube/KubeObject.ts"
import {
  current,
  failed,
  findCondition,
  inProgress,
  notYetObserved,
  numberAt,
  type ObjectStatus,
  specOf,
  statusOf,
  withDetail,
} from "./status.ts"

/**
 * A Deployment is current when every desired replica runs the new template and
 * is available, old replicas are gone, and the controller says the rollout is
 * done (Progressing=True/NewReplicaSetAvailable, Available=True) when it
 * reports conditions. A missed progress deadline is terminal.
 */
export const deploymentStatus = (object: KubeObject): ObjectStatus => {
  const progressing = findCondition(object, "Progressing")
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded")
    return failed(withDetail("progress deadline exceeded", progressing))
  const unobserved = notYetObserved(object)
  if (unobserved !== undefined) return unobserved
  const spec = specOf(object)
  const status = statusOf(object)
  const desired = numberAt(spec, "replicas") ?? 1
  const total = numberAt(status, "replicas") ?? 0
  const updated = numberAt(status, "updatedReplicas") ?? 0
  const ready = numberAt(status, "readyReplicas") ?? 0
  const available = numberAt(status, "availableReplicas") ?? 0
  if (updated < desired) return inProgress(`${updated}/${desired} replicas updated`)
  if (total > updated) return inProgress(`${total - updated} old replicas pending termination`)
  if (ready < desired) return inProgress(`${ready}/${desired} replicas ready`)
  if (available < desired) return inProgress(`${available}/${desired} replicas available`)
  if (
    progressing !== undefined &&
    !(progressing.status === "True" && progressing.reason === "NewReplicaSetAvailable")
  )
    return inProgress(withDetail("rollout not finished", progressing))
  const availableCondition = findCondition(object, "Available")
  if (availableCondition !== undefined && availableCondition.status !== "True")
    return inProgress(withDetail("Deployment not available", availableCondition))
  return current(`${available}/${desired} replicas available`)
}

/** A ReplicaSet is current when every desired replica exists with the right labels, is ready and available. */
export const replicaSetStatus = (object: KubeObject): ObjectStatus => {
  const unobserved = notYetObserved(object)
  if (unobserved !== undefined) return unobserved
  const failure = findCondition(object, "ReplicaFailure")
  if (failure?.status === "True") return inProgress(withDetail("replica failure", failure))
  const desired = numberAt(specOf(object), "replicas") ?? 1
  const status = statusOf(object)
  const total = numberAt(status, "replicas") ?? 0
  const labeled = numberAt(status, "fullyLabeledReplicas") ?? 0
  const ready = numberAt(status, "readyReplicas") ?? 0
  const available = numberAt(status, "availableReplicas") ?? 0
  if (labeled < desired) return inProgress(`${labeled}/${desired} replicas labeled`)
  if (ready < desired) return inProgress(`${ready}/${desired} replicas ready`)
  if (available < desired) return inProgress(`${available}/${desired} replicas available`)
  if (total > desired) return inProgress(`${total - desired} replicas pending termination`)
  return current(`${available}/${desired} replicas available`)
}
