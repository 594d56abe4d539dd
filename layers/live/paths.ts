import type { ResourceInfo } from "../../src/kube/KubeObject.ts"

/** `/api/v1` for the core group, `/apis/<group>/<version>` for the rest. */
export const groupVersionPath = (group: string, version: string): string =>
  group === "" ? `/api/${version}` : `/apis/${group}/${version}`

/**
 * The collection URL of a resource: in one namespace, or across all of them
 * (and for cluster-scoped resources, where the namespace is ignored).
 */
export const collectionPath = (info: ResourceInfo, namespace: string | undefined): string => {
  const base = groupVersionPath(info.group, info.version)
  return info.namespaced && namespace !== undefined && namespace !== ""
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`
    : `${base}/${info.plural}`
}

export const objectPath = (
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  subresource?: "status",
): string =>
  `${collectionPath(info, namespace)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ""}`

/** Appends the defined parameters as a query string. */
export const withQuery = (
  path: string,
  params: Readonly<Record<string, string | undefined>>,
): string => {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, value)
  const text = query.toString()
  return text === "" ? path : `${path}?${text}`
}
