import { asObject, isPlainObject } from "./Json.ts"
import type { ResourceDef } from "./ResourceTable.ts"

/**
 * How server-side apply merges a list, as the real server reads it from the schema:
 * `atomic` (replaced whole, one owner), `set` (scalars, each value owned), `map` (items keyed by
 * some fields, each item owned). Built-in kinds use a small table of the associative lists of
 * the core types (containers, env, ports, volumes, conditions, ...); custom resources read
 * `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` from their CRD schema; everything
 * else is atomic, as on the real server.
 */
export type ListType =
  | { readonly type: "atomic" }
  | { readonly type: "set" }
  | { readonly type: "map"; readonly keys: ReadonlyArray<string> }

/** Field names from the object root; `[]` steps into list items. */
export type ListTypes = (fieldPath: ReadonlyArray<string>) => ListType

/** Key fields the real server defaults before it computes keys (ports default to TCP). */
export const keyDefaults: Readonly<Record<string, unknown>> = { protocol: "TCP" }

const atomic: ListType = { type: "atomic" }
const byName: ListType = { type: "map", keys: ["name"] }

const builtinLists: Readonly<Record<string, ListType>> = {
  containers: byName,
  initContainers: byName,
  ephemeralContainers: byName,
  env: byName,
  volumes: byName,
  imagePullSecrets: byName,
  resourceClaims: byName,
  volumeMounts: { type: "map", keys: ["mountPath"] },
  volumeDevices: { type: "map", keys: ["devicePath"] },
  conditions: { type: "map", keys: ["type"] },
  hostAliases: { type: "map", keys: ["ip"] },
  topologySpreadConstraints: { type: "map", keys: ["topologyKey", "whenUnsatisfiable"] },
}

const metadataList = (fieldPath: ReadonlyArray<string>): ListType | undefined => {
  if (fieldPath.length !== 2 || fieldPath[0] !== "metadata") return undefined
  if (fieldPath[1] === "finalizers") return { type: "set" }
  if (fieldPath[1] === "ownerReferences") return { type: "map", keys: ["uid"] }
  return atomic
}

const builtinListTypes =
  (def: ResourceDef): ListTypes =>
  (fieldPath) => {
    const meta = metadataList(fieldPath)
    if (meta !== undefined) return meta
    const last = fieldPath[fieldPath.length - 1]
    if (last === "ports") {
      if (def.group === "" && def.kind === "Service" && fieldPath.length === 2)
        return { type: "map", keys: ["port", "protocol"] }
      if (fieldPath[fieldPath.length - 3]?.endsWith("ontainers"))
        return { type: "map", keys: ["containerPort", "protocol"] }
      return atomic
    }
    return (last !== undefined && builtinLists[last]) || atomic
  }

const schemaListTypes =
  (schema: unknown): ListTypes =>
  (fieldPath) => {
    const meta = metadataList(fieldPath)
    if (meta !== undefined) return meta
    let node: unknown = schema
    for (const step of fieldPath) {
      const current = asObject(node)
      if (step === "[]") node = current.items
      else {
        const properties = asObject(current.properties)
        node =
          properties[step] ??
          (isPlainObject(current.additionalProperties) ? current.additionalProperties : undefined)
      }
      if (!isPlainObject(node)) return atomic
    }
    const listNode = asObject(node)
    const listType = listNode["x-kubernetes-list-type"]
    if (listType === "set") return { type: "set" }
    const keys = listNode["x-kubernetes-list-map-keys"]
    if (listType === "map" && Array.isArray(keys) && keys.every((k) => typeof k === "string"))
      return { type: "map", keys: keys as ReadonlyArray<string> }
    return atomic
  }

export const makeListTypes = (def: ResourceDef, version: string): ListTypes =>
  def.crdName === undefined ? builtinListTypes(def) : schemaListTypes(def.schemas.get(version))
