import { asObject, type JsonObject } from "./Json.ts"
import { groupKindKey, type ResourceDef, type ResourceTable } from "./ResourceTable.ts"

/**
 * The in-memory etcd: objects per group-kind, a cluster-wide resourceVersion counter, the
 * indexes the emulated controllers need (uid, owner, namespace) and the bounded watch history.
 * Everything here is synchronous; callers mutate it only inside one `Effect.sync` under the
 * write lock, so each API call is atomic. Stored objects are never mutated after `put`: every
 * write stores a fresh object, so history entries can share them.
 */

export interface Change {
  readonly rv: number
  readonly type: "ADDED" | "MODIFIED" | "DELETED"
  readonly groupKind: string
  readonly namespace: string
  readonly object: JsonObject
  /** The object before this change (for selector transitions in watches). */
  readonly previous: JsonObject | undefined
}

/** Work for the emulated namespace controller, garbage collector and CRD controllers. */
export type Task =
  | { readonly _tag: "collect"; readonly ref: string }
  | { readonly _tag: "dependents"; readonly uid: string }
  | { readonly _tag: "namespace"; readonly name: string }
  | { readonly _tag: "crd"; readonly name: string }
  | { readonly _tag: "finalize"; readonly ref: string }

export interface Store {
  rv: number
  readonly table: ResourceTable
  /** groupKind -> `namespace/name` -> object */
  readonly kinds: Map<string, Map<string, JsonObject>>
  /** uid -> ref (`groupKind|namespace/name`) */
  readonly uids: Map<string, string>
  /** owner uid -> refs of objects naming it in ownerReferences */
  readonly dependents: Map<string, Set<string>>
  /** namespace -> refs of the objects in it */
  readonly byNamespace: Map<string, Set<string>>
  readonly history: Array<Change>
  readonly historyLimit: number
  /** The newest resourceVersion whose events were dropped from the history. */
  compactedThrough: number
  /** Changes of the current call, to publish to live watches once it is done. */
  readonly pending: Array<Change>
  readonly tasks: Array<Task>
  paused: boolean
}

export const makeStore = (table: ResourceTable, historyLimit: number): Store => ({
  rv: 0,
  table,
  kinds: new Map(),
  uids: new Map(),
  dependents: new Map(),
  byNamespace: new Map(),
  history: [],
  historyLimit,
  compactedThrough: 0,
  pending: [],
  tasks: [],
  paused: false,
})

export const metaOf = (object: JsonObject): JsonObject => asObject(object.metadata)

export const nameOf = (object: JsonObject): string => String(metaOf(object).name ?? "")

export const namespaceOf = (object: JsonObject): string => {
  const namespace = metaOf(object).namespace
  return typeof namespace === "string" ? namespace : ""
}

export const isDeleting = (object: JsonObject): boolean =>
  typeof metaOf(object).deletionTimestamp === "string"

export const refOf = (groupKind: string, namespace: string, name: string): string =>
  `${groupKind}|${namespace}/${name}`

export const lookup = (
  store: Store,
  def: ResourceDef,
  namespace: string,
  name: string,
): JsonObject | undefined =>
  store.kinds.get(groupKindKey(def.group, def.kind))?.get(`${namespace}/${name}`)

export const lookupRef = (
  store: Store,
  ref: string,
): { readonly def: ResourceDef; readonly object: JsonObject } | undefined => {
  const bar = ref.indexOf("|")
  const groupKind = ref.slice(0, bar)
  const def = store.table.defs.get(groupKind)
  const object = store.kinds.get(groupKind)?.get(ref.slice(bar + 1))
  return def === undefined || object === undefined ? undefined : { def, object }
}

export const objectsOf = (store: Store, def: ResourceDef): ReadonlyArray<JsonObject> => [
  ...(store.kinds.get(groupKindKey(def.group, def.kind))?.values() ?? []),
]

const ownerUids = (object: JsonObject | undefined): ReadonlyArray<string> => {
  const refs = object === undefined ? undefined : metaOf(object).ownerReferences
  return Array.isArray(refs)
    ? refs.map((ref) => asObject(ref).uid).filter((uid): uid is string => typeof uid === "string")
    : []
}

const addTo = (index: Map<string, Set<string>>, key: string, ref: string): void => {
  const set = index.get(key)
  if (set === undefined) index.set(key, new Set([ref]))
  else set.add(ref)
}

const removeFrom = (index: Map<string, Set<string>>, key: string, ref: string): void => {
  const set = index.get(key)
  set?.delete(ref)
  if (set?.size === 0) index.delete(key)
}

const record = (store: Store, change: Change): void => {
  store.history.push(change)
  store.pending.push(change)
  if (store.history.length > store.historyLimit) {
    const dropped = store.history.splice(0, store.history.length - store.historyLimit)
    store.compactedThrough = dropped[dropped.length - 1]!.rv
  }
}

export const isCrdDef = (def: ResourceDef): boolean =>
  def.group === "apiextensions.k8s.io" && def.kind === "CustomResourceDefinition"

export const isNamespaceDef = (def: ResourceDef): boolean =>
  def.group === "" && def.kind === "Namespace"

/** Stores a new version of an object under the next resourceVersion; returns what was stored. */
export const put = (store: Store, def: ResourceDef, object: JsonObject): JsonObject => {
  const groupKind = groupKindKey(def.group, def.kind)
  const namespace = def.namespaced ? namespaceOf(object) : ""
  const name = nameOf(object)
  const ref = refOf(groupKind, namespace, name)
  let objects = store.kinds.get(groupKind)
  if (objects === undefined) {
    objects = new Map()
    store.kinds.set(groupKind, objects)
  }
  const previous = objects.get(`${namespace}/${name}`)
  store.rv += 1
  const stored: JsonObject = {
    ...object,
    metadata: { ...metaOf(object), resourceVersion: String(store.rv) },
  }
  objects.set(`${namespace}/${name}`, stored)
  const uid = metaOf(stored).uid
  if (typeof uid === "string") store.uids.set(uid, ref)
  for (const owner of ownerUids(previous)) removeFrom(store.dependents, owner, ref)
  for (const owner of ownerUids(stored)) addTo(store.dependents, owner, ref)
  if (def.namespaced) addTo(store.byNamespace, namespace, ref)
  record(store, {
    rv: store.rv,
    type: previous === undefined ? "ADDED" : "MODIFIED",
    groupKind,
    namespace,
    object: stored,
    previous,
  })
  if (ownerUids(stored).length > 0) store.tasks.push({ _tag: "collect", ref })
  if (isNamespaceDef(def) && isDeleting(stored)) store.tasks.push({ _tag: "namespace", name })
  if (isCrdDef(def)) store.tasks.push({ _tag: "crd", name })
  if (isDeleting(stored)) store.tasks.push({ _tag: "finalize", ref })
  return stored
}

/** Removes an object; its DELETED event carries the next resourceVersion. */
export const remove = (store: Store, def: ResourceDef, object: JsonObject): JsonObject => {
  const groupKind = groupKindKey(def.group, def.kind)
  const namespace = def.namespaced ? namespaceOf(object) : ""
  const name = nameOf(object)
  const ref = refOf(groupKind, namespace, name)
  store.kinds.get(groupKind)?.delete(`${namespace}/${name}`)
  store.rv += 1
  const last: JsonObject = {
    ...object,
    metadata: { ...metaOf(object), resourceVersion: String(store.rv) },
  }
  const uid = metaOf(object).uid
  if (typeof uid === "string") {
    store.uids.delete(uid)
    store.tasks.push({ _tag: "dependents", uid })
  }
  for (const owner of ownerUids(object)) {
    removeFrom(store.dependents, owner, ref)
    const ownerRef = store.uids.get(owner)
    if (ownerRef !== undefined) store.tasks.push({ _tag: "finalize", ref: ownerRef })
  }
  if (def.namespaced) {
    removeFrom(store.byNamespace, namespace, ref)
    store.tasks.push({ _tag: "namespace", name: namespace })
  }
  if (isCrdDef(def)) store.tasks.push({ _tag: "crd", name })
  if (def.crdName !== undefined) store.tasks.push({ _tag: "crd", name: def.crdName })
  record(store, {
    rv: store.rv,
    type: "DELETED",
    groupKind,
    namespace,
    object: last,
    previous: last,
  })
  return last
}
