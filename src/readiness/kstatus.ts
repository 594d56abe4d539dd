/**
 * Readiness of a live object by kstatus rules (the rules `kubectl wait`-style
 * tools, Flux and cli-utils share): Current, InProgress, Failed or Terminating,
 * with a message saying what is still missing. Pure.
 */
import { type KubeObject, parseApiVersion } from "../kube/KubeObject.ts"
import { daemonSetStatus } from "./rules/daemonSet.ts"
import { deploymentStatus, replicaSetStatus } from "./rules/deployment.ts"
import { genericStatus } from "./rules/generic.ts"
import { jobStatus } from "./rules/job.ts"
import { podStatus } from "./rules/pod.ts"
import {
  customResourceDefinitionStatus,
  namespaceStatus,
  persistentVolumeClaimStatus,
  serviceStatus,
} from "./rules/simpleKinds.ts"
import { statefulSetStatus } from "./rules/statefulSet.ts"
import {
  failed,
  findCondition,
  inProgress,
  numberAt,
  type ObjectStatus,
  statusOf,
  withDetail,
} from "./rules/status.ts"

export type { ObjectStatus, ReadyStatus } from "./rules/status.ts"

type Rule = (object: KubeObject) => ObjectStatus

/** Kind-specific rules by `group/Kind`; a CRD kind that happens to share a name gets the generic rule. */
const rules: ReadonlyMap<string, Rule> = new Map([
  ["apps/Deployment", deploymentStatus],
  ["apps/StatefulSet", statefulSetStatus],
  ["apps/DaemonSet", daemonSetStatus],
  ["apps/ReplicaSet", replicaSetStatus],
  ["batch/Job", jobStatus],
  ["/Pod", podStatus],
  ["/PersistentVolumeClaim", persistentVolumeClaimStatus],
  ["/Service", serviceStatus],
  ["/Namespace", namespaceStatus],
  ["apiextensions.k8s.io/CustomResourceDefinition", customResourceDefinitionStatus],
])

export const computeStatus = (object: KubeObject): ObjectStatus => {
  if (object.metadata.deletionTimestamp !== undefined)
    return { status: "Terminating", message: "being deleted" }
  // Until the controller has seen the latest spec, everything else in status describes an older one.
  const generation = object.metadata.generation
  const observed = numberAt(statusOf(object), "observedGeneration")
  if (generation !== undefined && observed !== undefined && observed < generation)
    return inProgress(`generation ${generation} not yet observed (at ${observed})`)
  // kstatus' standard conditions hold for every kind, built-in or not.
  const stalled = findCondition(object, "Stalled")
  if (stalled?.status === "True") return failed(withDetail("stalled", stalled))
  const reconciling = findCondition(object, "Reconciling")
  if (reconciling?.status === "True") return inProgress(withDetail("reconciling", reconciling))
  const rule = rules.get(`${parseApiVersion(object.apiVersion).group}/${object.kind}`)
  return (rule ?? genericStatus)(object)
}
