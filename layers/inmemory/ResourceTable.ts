import type { ResourceInfo } from "../../src/kube/KubeObject.ts"
import { parseApiVersion } from "../../src/kube/KubeObject.ts"
import { asObject, isPlainObject, type JsonObject } from "./Json.ts"

/** How one group-kind is served: the in-memory discovery table keeps one of these per kind. */
export interface ResourceDef {
  readonly group: string
  readonly kind: string
  readonly plural: string
  readonly namespaced: boolean
  readonly hasStatus: boolean
  /** Served versions, preferred first. */
  readonly versions: ReadonlyArray<string>
  /** Whether the server maintains `metadata.generation` (CRDs and most non-core kinds). */
  readonly generation: boolean
  /** The CustomResourceDefinition that serves the kind, if any. */
  readonly crdName?: string
  /** `openAPIV3Schema` per version, for custom resources (list types for server-side apply). */
  readonly schemas: ReadonlyMap<string, unknown>
}

export interface ResourceTable {
  readonly defs: Map<string, ResourceDef>
}

export const groupKindKey = (group: string, kind: string): string => `${group}/${kind}`

/**
 * The real server sets `metadata.generation` only for kinds whose strategy tracks spec changes;
 * the core group and these API groups do not (ConfigMap, Service, Role, Lease, ...).
 */
const groupsWithoutGeneration = new Set([
  "",
  "rbac.authorization.k8s.io",
  "coordination.k8s.io",
  "events.k8s.io",
  "storage.k8s.io",
])

export const makeResourceTable = (infos: ReadonlyArray<ResourceInfo>): ResourceTable => {
  const defs = new Map<string, ResourceDef>()
  for (const info of infos) {
    const key = groupKindKey(info.group, info.kind)
    const existing = defs.get(key)
    if (existing !== undefined) {
      if (!existing.versions.includes(info.version))
        defs.set(key, { ...existing, versions: [...existing.versions, info.version] })
      continue
    }
    defs.set(key, {
      group: info.group,
      kind: info.kind,
      plural: info.plural,
      namespaced: info.namespaced,
      hasStatus: info.hasStatus,
      versions: [info.version],
      generation: !groupsWithoutGeneration.has(info.group),
      schemas: new Map(),
    })
  }
  return { defs }
}

/** The def serving `kind` at `apiVersion`, when that version is served. */
export const findServed = (
  table: ResourceTable,
  apiVersion: string,
  kind: string,
): ResourceDef | undefined => {
  const { group, version } = parseApiVersion(apiVersion)
  const def = table.defs.get(groupKindKey(group, kind))
  return def?.versions.includes(version) ? def : undefined
}

export const toResourceInfo = (def: ResourceDef, version: string): ResourceInfo => ({
  group: def.group,
  version,
  kind: def.kind,
  plural: def.plural,
  namespaced: def.namespaced,
  hasStatus: def.hasStatus,
})

export const preferredInfos = (table: ResourceTable): ReadonlyArray<ResourceInfo> =>
  [...table.defs.values()].map((def) => toResourceInfo(def, def.versions[0]!))

export const preferredApiVersion = (def: ResourceDef): string =>
  def.group === "" ? def.versions[0]! : `${def.group}/${def.versions[0]!}`

/** `deployments.apps`, `configmaps`: how the server names a resource in messages. */
export const resourceName = (def: ResourceDef): string =>
  def.group === "" ? def.plural : `${def.plural}.${def.group}`

/** `Deployment.apps`, `ConfigMap`: how the server names a kind in validation messages. */
export const qualifiedKind = (def: ResourceDef): string =>
  def.group === "" ? def.kind : `${def.kind}.${def.group}`

/** Kubernetes version priority: GA > beta > alpha, higher numbers first, others last by name. */
const versionRank = (version: string): [number, number, number, string] => {
  const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version)
  if (match === null) return [3, 0, 0, version]
  const stability = match[2] === undefined ? 0 : match[2] === "beta" ? 1 : 2
  return [stability, -Number(match[1]), -Number(match[3] ?? 0), version]
}

export const sortVersions = (versions: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...versions].sort((a, b) => {
    const ra = versionRank(a)
    const rb = versionRank(b)
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number)
    return ra[3] < rb[3] ? -1 : ra[3] > rb[3] ? 1 : 0
  })

/** What a CustomResourceDefinition serves, or undefined when its spec is incomplete. */
export const defFromCrd = (crd: JsonObject): ResourceDef | undefined => {
  const spec = asObject(crd.spec)
  const names = asObject(spec.names)
  const group = spec.group
  const kind = names.kind
  const plural = names.plural
  if (typeof group !== "string" || typeof kind !== "string" || typeof plural !== "string")
    return undefined
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter(isPlainObject)
  const served = versions.filter((v) => v.served !== false && typeof v.name === "string")
  if (served.length === 0) return undefined
  const ordered = sortVersions(served.map((v) => v.name as string))
  const preferred = served.find((v) => v.name === ordered[0])!
  const schemas = new Map<string, unknown>()
  for (const v of served) schemas.set(v.name as string, asObject(v.schema).openAPIV3Schema)
  return {
    group,
    kind,
    plural,
    namespaced: spec.scope !== "Cluster",
    hasStatus: isPlainObject(asObject(preferred.subresources).status),
    versions: ordered,
    generation: true,
    crdName: asObject(crd.metadata).name as string,
    schemas,
  }
}
