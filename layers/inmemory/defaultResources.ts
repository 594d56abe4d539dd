import type { ResourceInfo } from "../../src/kube/KubeObject.ts"

/**
 * The built-in discovery table: what a fresh kube-apiserver serves, at each group's preferred
 * version first. A kind served at several versions is listed once per version, preferred first.
 * `stages.metio.wtf/v1` StageSet and StageInventory are preinstalled (as if their CRDs were
 * applied); a test that applies those CRDs replaces these entries, deleting the CRD removes them.
 */

const resource = (
  apiVersion: string,
  kind: string,
  plural: string,
  scope: "ns" | "cluster",
  hasStatus: boolean,
): ResourceInfo => {
  const slash = apiVersion.indexOf("/")
  return {
    group: slash < 0 ? "" : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind,
    plural,
    namespaced: scope === "ns",
    hasStatus,
  }
}

export const defaultResources: ReadonlyArray<ResourceInfo> = [
  resource("v1", "Namespace", "namespaces", "cluster", true),
  resource("v1", "ConfigMap", "configmaps", "ns", false),
  resource("v1", "Secret", "secrets", "ns", false),
  resource("v1", "Service", "services", "ns", true),
  resource("v1", "ServiceAccount", "serviceaccounts", "ns", false),
  resource("v1", "PersistentVolumeClaim", "persistentvolumeclaims", "ns", true),
  resource("v1", "PersistentVolume", "persistentvolumes", "cluster", true),
  resource("v1", "Pod", "pods", "ns", true),
  resource("v1", "Event", "events", "ns", false),
  resource("v1", "Endpoints", "endpoints", "ns", false),
  resource("v1", "LimitRange", "limitranges", "ns", false),
  resource("v1", "ResourceQuota", "resourcequotas", "ns", true),
  resource("apps/v1", "Deployment", "deployments", "ns", true),
  resource("apps/v1", "StatefulSet", "statefulsets", "ns", true),
  resource("apps/v1", "DaemonSet", "daemonsets", "ns", true),
  resource("apps/v1", "ReplicaSet", "replicasets", "ns", true),
  resource("apps/v1", "ControllerRevision", "controllerrevisions", "ns", false),
  resource("batch/v1", "Job", "jobs", "ns", true),
  resource("batch/v1", "CronJob", "cronjobs", "ns", true),
  resource("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "ns", true),
  resource("autoscaling/v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "ns", true),
  resource("rbac.authorization.k8s.io/v1", "Role", "roles", "ns", false),
  resource("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", "ns", false),
  resource("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", "cluster", false),
  resource(
    "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
    "cluster",
    false,
  ),
  resource(
    "apiextensions.k8s.io/v1",
    "CustomResourceDefinition",
    "customresourcedefinitions",
    "cluster",
    true,
  ),
  resource("coordination.k8s.io/v1", "Lease", "leases", "ns", false),
  resource("events.k8s.io/v1", "Event", "events", "ns", false),
  resource("networking.k8s.io/v1", "Ingress", "ingresses", "ns", true),
  resource("networking.k8s.io/v1", "IngressClass", "ingressclasses", "cluster", false),
  resource("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", "ns", false),
  resource("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", "ns", true),
  resource("storage.k8s.io/v1", "StorageClass", "storageclasses", "cluster", false),
  resource("stages.metio.wtf/v1", "StageSet", "stagesets", "ns", true),
  resource("stages.metio.wtf/v1", "StageInventory", "stageinventories", "ns", false),
]
