import type { KubeObject } from "../kube/KubeObject.ts"
import { statusOf } from "../programs/stageSet/observeStageSet.ts"

/**
 * What a dependent's `dependsOn` check reads of a StageSet (dependencyHold): its generation,
 * its Ready condition's status and observedGeneration, `status.observedGeneration` and
 * `status.version`, as one comparable string.
 */
const readiness = (object: KubeObject): string => {
  const status = statusOf(object)
  const ready = status.conditions?.find((c) => c.type === "Ready")
  return JSON.stringify([
    object.metadata.generation,
    ready?.status,
    ready?.observedGeneration,
    status.observedGeneration,
    status.version,
  ])
}

/**
 * Whether an update of a StageSet may change whether its dependents are held. Unlike
 * `stageSetChanged` this looks at status, and our own status writes count: they are
 * exactly what a dependent waits for. It never wakes the StageSet itself (the controller
 * enqueues only the dependents), so our own writes cannot loop.
 */
export const readinessChanged = (previous: KubeObject, next: KubeObject): boolean =>
  readiness(previous) !== readiness(next)
