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
 * A StatefulSet is current when every replica exists and is ready and, for
 * RollingUpdate, the update reached every replica it may touch (all of them, or
 * those at or above the partition) and the current revision caught up with the
 * update revision. OnDelete sets are not rolled by their controller, so only
 * the replica counts are waited for.
 */
export const statefulSetStatus = (object: KubeObject): ObjectStatus => {
  const unobserved = notYetObserved(object)
  if (unobserved !== undefined) return unobserved
  const spec = specOf(object)
  const status = statusOf(object)
  const desired = numberAt(spec, "replicas") ?? 1
  const total = numberAt(status, "replicas") ?? 0
  const ready = numberAt(status, "readyReplicas") ?? 0
  const updated = numberAt(status, "updatedReplicas") ?? 0
  const available = numberAt(status, "availableReplicas")
  if (total < desired) return inProgress(`${total}/${desired} replicas created`)
  if (ready < desired) return inProgress(`${ready}/${desired} replicas ready`)
  if (available !== undefined && available < desired)
    return inProgress(`${available}/${desired} replicas available`)
  if (total > desired) return inProgress(`${total - desired} replicas pending termination`)
  const strategy = stringAt(fieldsAt(spec, "updateStrategy"), "type") ?? "RollingUpdate"
  if (strategy !== "RollingUpdate")
    return current(`${ready}/${desired} replicas ready (${strategy} updates are not waited for)`)
  const partition = numberAt(fieldsAt(spec, "updateStrategy", "rollingUpdate"), "partition") ?? 0
  if (partition > 0) {
    const toUpdate = Math.max(desired - partition, 0)
    return updated < toUpdate
      ? inProgress(`${updated}/${toUpdate} replicas updated (partition ${partition})`)
      : current(`${ready}/${desired} replicas ready, ${updated} updated (partition ${partition})`)
  }
  if (updated < desired) return inProgress(`${updated}/${desired} replicas updated`)
  const currentRevision = stringAt(status, "currentRevision")
  const updateRevision = stringAt(status, "updateRevision")
  if (currentRevision !== updateRevision)
    return inProgress(
      `waiting for revision ${updateRevision ?? "(unknown)"} to replace ${currentRevision ?? "(unknown)"}`,
    )
  return current(`${ready}/${desired} replicas ready`)
}
