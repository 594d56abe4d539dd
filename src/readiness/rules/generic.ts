import type { KubeObject } from "../../kube/KubeObject.ts"
import { current, findCondition, inProgress, type ObjectStatus, withDetail } from "./status.ts"

/**
 * Any other kind: the de-facto standard conditions. `Ready` (Flux, Cluster API,
 * most operators) or else `Available` (APIService) decide; a condition computed
 * for an older generation is stale. No such condition: nothing to wait for.
 */
export const genericStatus = (object: KubeObject): ObjectStatus => {
  const generation = object.metadata.generation
  for (const type of ["Ready", "Available"]) {
    const condition = findCondition(object, type)
    if (condition === undefined) continue
    if (
      generation !== undefined &&
      condition.observedGeneration !== undefined &&
      condition.observedGeneration < generation
    )
      return inProgress(`${type} condition not yet updated for generation ${generation}`)
    return condition.status === "True"
      ? current(withDetail(type, condition))
      : inProgress(withDetail(`${type}=${condition.status}`, condition))
  }
  return current("no readiness conditions to wait for")
}
