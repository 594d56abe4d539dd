/** Kinds whose readiness is one field or condition. */
import type { KubeObject } from "../../kube/KubeObject.ts"
import {
  current,
  failed,
  fieldsAt,
  findCondition,
  inProgress,
  type ObjectStatus,
  specOf,
  statusOf,
  stringAt,
  withDetail,
} from "./status.ts"

export const persistentVolumeClaimStatus = (object: KubeObject): ObjectStatus => {
  const phase = stringAt(statusOf(object), "phase")
  if (phase === "Bound") return current("claim bound")
  if (phase === "Lost") return failed("claim lost its volume")
  return inProgress(`claim ${phase ?? "Pending"}, not bound`)
}

/** Only a LoadBalancer Service waits for something: its ingress address. */
export const serviceStatus = (object: KubeObject): ObjectStatus => {
  if (stringAt(specOf(object), "type") !== "LoadBalancer") return current("service ready")
  const ingress = fieldsAt(statusOf(object), "loadBalancer").ingress
  return Array.isArray(ingress) && ingress.length > 0
    ? current("load balancer ready")
    : inProgress("waiting for a load balancer ingress")
}

export const customResourceDefinitionStatus = (object: KubeObject): ObjectStatus => {
  const names = findCondition(object, "NamesAccepted")
  if (names?.status === "False") return failed(withDetail("names not accepted", names))
  const established = findCondition(object, "Established")
  if (established?.status === "True") return current("established")
  return inProgress(
    established === undefined ? "not established yet" : withDetail("not established", established),
  )
}

/**
 * The API server sets phase Active when it creates a Namespace, so a missing
 * phase (a client that does not) means nothing to wait for either.
 */
export const namespaceStatus = (object: KubeObject): ObjectStatus => {
  const phase = stringAt(statusOf(object), "phase")
  return phase === undefined || phase === "Active"
    ? current("namespace active")
    : inProgress(`namespace ${phase}`)
}
