import { Order } from "effect"
import {
  decodePath,
  encodePath,
  type FieldPath,
  getAt,
  isBelow,
  isItemElement,
  itemKey,
  keyElement,
  pathToString,
  removeAt,
} from "./FieldPath.ts"
import { type FieldScope, type FieldSet, fieldSetAndChanges, fieldSetOf } from "./FieldSet.ts"
import { cloneJson, deepEqual, isPlainObject, type JsonObject, stableStringify } from "./Json.ts"
import type { ListTypes } from "./ListTypes.ts"
import { isOwner, type OwnerEntry, readEntries, writeEntries } from "./ManagedFields.ts"

/**
 * Server-side apply: merge an applied configuration into the live object, tracking which field
 * manager owns which field, as structured-merge-diff does.
 */

export interface ApplyInput {
  /** The live object, or a skeleton (apiVersion, kind, name, namespace) when creating. */
  readonly live: JsonObject
  readonly exists: boolean
  /** The applied configuration, server-owned metadata and (for the main resource) status removed. */
  readonly config: JsonObject
  readonly manager: string
  readonly force: boolean
  readonly apiVersion: string
  readonly now: string
  readonly listTypes: ListTypes
  readonly scope: FieldScope
}

export interface Conflict {
  readonly owner: OwnerEntry
  readonly path: FieldPath
}

export type ApplyResult =
  | { readonly _tag: "Conflicts"; readonly conflicts: ReadonlyArray<Conflict> }
  | { readonly _tag: "Merged"; readonly object: JsonObject }

const dropNulls = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(dropNulls)
  if (!isPlainObject(value)) return value
  const out: JsonObject = {}
  for (const [name, member] of Object.entries(value))
    if (member !== null && member !== undefined) out[name] = dropNulls(member)
  return out
}

/** The applied values win; maps merge member by member, associative lists item by item. */
const mergeValue = (
  live: unknown,
  config: unknown,
  schemaPath: ReadonlyArray<string>,
  listTypes: ListTypes,
): unknown => {
  if (isPlainObject(config) && isPlainObject(live)) {
    const out: JsonObject = { ...live }
    for (const [name, value] of Object.entries(config)) {
      if (value === null || value === undefined) continue
      out[name] = mergeValue(live[name], value, [...schemaPath, name], listTypes)
    }
    return out
  }
  if (Array.isArray(config) && Array.isArray(live)) {
    const listType = listTypes(schemaPath)
    if (listType.type === "map" && config.every(isPlainObject) && live.every(isPlainObject)) {
      const keyOf = (item: JsonObject) => keyElement(itemKey(item, listType.keys))
      const out: Array<unknown> = [...live]
      const positions = new Map<string, number>()
      for (const [index, item] of live.entries()) positions.set(keyOf(item), index)
      for (const item of config) {
        const index = positions.get(keyOf(item))
        if (index !== undefined)
          out[index] = mergeValue(out[index], item, [...schemaPath, "[]"], listTypes)
        else out.push(dropNulls(item))
      }
      return out
    }
    if (listType.type === "set") {
      const out: Array<unknown> = [...live]
      const present = new Set(live.map((value) => stableStringify(value)))
      for (const item of config) if (!present.has(stableStringify(item))) out.push(item)
      return out
    }
  }
  return dropNulls(config)
}

const depth = (encoded: string): number => decodePath(encoded).length

/** Removes `path`, then any map above it that became empty and that nobody owns by itself. */
const removeOwnedField = (object: JsonObject, path: FieldPath, owned: FieldSet): void => {
  removeAt(object, path)
  let parent = path.slice(0, -1)
  while (parent.length > 0 && !(parent.length === 1 && parent[0] === "f:metadata")) {
    const last = parent[parent.length - 1]!
    if (isItemElement(last) || owned.has(encodePath(parent))) return
    const value = getAt(object, parent)
    if (!value.found || !isPlainObject(value.value) || Object.keys(value.value).length > 0) return
    removeAt(object, parent)
    parent = parent.slice(0, -1)
  }
}

const sameSet = (a: FieldSet, b: FieldSet): boolean =>
  a.size === b.size && [...a].every((path) => b.has(path))

const withoutManagedFields = (object: JsonObject): JsonObject => ({
  ...object,
  metadata: { ...(object.metadata as JsonObject), managedFields: undefined },
})

export const applyMerge = (input: ApplyInput): ApplyResult => {
  // Never mutated: the merge copies what it changes and shares the rest with the live object.
  const live = input.live
  // The applied fields, and those whose live value the apply changes (the conflict candidates).
  const { fields: applied, changed } = fieldSetAndChanges(
    input.config,
    live,
    input.listTypes,
    input.scope,
    true,
  )
  let entries = readEntries(live)
  // An object nobody has claimed yet (created before tracking, or its managedFields reset):
  // the real server gives every existing field to "before-first-apply".
  if (input.exists && entries.length === 0)
    entries = [
      {
        manager: "before-first-apply",
        operation: "Update",
        subresource: "",
        apiVersion: input.apiVersion,
        time: input.now,
        fields: fieldSetOf(live, input.listTypes, input.scope),
      },
    ]
  let merged = mergeValue(live, input.config, [], input.listTypes) as JsonObject
  const isSelf = (entry: OwnerEntry) => isOwner(entry, input.manager, "Apply", "")

  const conflicts: Array<Conflict> = []
  for (const entry of entries) {
    if (isSelf(entry)) continue
    for (const path of entry.fields)
      if (changed.has(path)) conflicts.push({ owner: entry, path: decodePath(path) })
  }
  if (conflicts.length > 0 && !input.force) return { _tag: "Conflicts", conflicts }
  if (conflicts.length > 0)
    entries = entries.map((entry) =>
      isSelf(entry)
        ? entry
        : { ...entry, fields: new Set([...entry.fields].filter((path) => !changed.has(path))) },
    )

  // Fields this manager applied before and no longer sends go away, unless someone else
  // (still) owns them or something below them.
  const previous = entries.find(isSelf)
  const others: FieldSet = new Set(entries.filter((e) => !isSelf(e)).flatMap((e) => [...e.fields]))
  const stale = [...(previous?.fields ?? [])]
    .filter((path) => !applied.has(path) && !others.has(path))
    .filter((path) => ![...others].some((other) => isBelow(other, path)))
    .sort((a, b) => depth(b) - depth(a))
  const owned = new Set([...others, ...applied])
  // Removal works in place, so it needs a copy that shares nothing with the live object.
  if (stale.length > 0) merged = cloneJson(merged)
  for (const path of stale) removeOwnedField(merged, decodePath(path), owned)

  const objectChanged = !deepEqual(withoutManagedFields(live), withoutManagedFields(merged))
  const keepTime =
    previous !== undefined &&
    !objectChanged &&
    previous.apiVersion === input.apiVersion &&
    sameSet(previous.fields, applied)
  const self: OwnerEntry = {
    manager: input.manager,
    operation: "Apply",
    subresource: "",
    apiVersion: input.apiVersion,
    time: keepTime ? previous.time : input.now,
    fields: previous !== undefined && sameSet(previous.fields, applied) ? previous.fields : applied,
  }
  entries = previous === undefined ? [...entries, self] : entries.map((e) => (isSelf(e) ? self : e))
  const metadata = { ...(merged.metadata as JsonObject) }
  const managedFields = writeEntries(entries)
  if (managedFields.length > 0) metadata.managedFields = managedFields
  else delete metadata.managedFields
  return { _tag: "Merged", object: { ...merged, metadata } }
}

const describeOwner = (owner: OwnerEntry): string => {
  const name = `"${owner.manager}"${owner.subresource === "" ? "" : ` with subresource "${owner.subresource}"`}`
  return owner.operation === "Update" ? `${name} using ${owner.apiVersion}` : name
}

/** The message the real server sends with a 409 apply conflict. */
export const conflictMessage = (conflicts: ReadonlyArray<Conflict>): string => {
  if (conflicts.length === 1) {
    const only = conflicts[0]!
    return `Apply failed with 1 conflict: conflict with ${describeOwner(only.owner)}: ${pathToString(only.path)}`
  }
  const byOwner = new Map<string, Array<string>>()
  const sorted = [...conflicts].sort((a, b) => {
    const pa = pathToString(a.path)
    const pb = pathToString(b.path)
    return Order.string(pa, pb)
  })
  for (const conflict of sorted) {
    const owner = describeOwner(conflict.owner)
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), pathToString(conflict.path)])
  }
  const lines = [...byOwner.keys()]
    .sort()
    .flatMap((owner) => [`conflicts with ${owner}:`, ...byOwner.get(owner)!.map((p) => `- ${p}`)])
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`
}
