import type { ManagedFieldsEntry } from "../../src/kube/KubeObject.ts"
import {
  type FieldScope,
  type FieldSet,
  fieldSetAndChanges,
  fieldSetOf,
  fromFieldsV1,
  toFieldsV1,
} from "./FieldSet.ts"
import { asObject, isPlainObject, type JsonObject } from "./Json.ts"
import type { ListTypes } from "./ListTypes.ts"

/** One `metadata.managedFields` entry, with its field set decoded. */
export interface OwnerEntry {
  readonly manager: string
  readonly operation: "Apply" | "Update"
  /** Empty for the main resource, `status` for the status subresource. */
  readonly subresource: string
  readonly apiVersion: string
  readonly time: string
  readonly fields: FieldSet
}

export const isOwner = (
  entry: OwnerEntry,
  manager: string,
  operation: "Apply" | "Update",
  subresource: string,
): boolean =>
  entry.manager === manager && entry.operation === operation && entry.subresource === subresource

/**
 * Decoded and encoded field sets, by identity: stored objects never change, so consecutive
 * writes of a big object reuse the sets of the managers they do not touch. Sets handed out from
 * here are never mutated (every change builds a new set).
 */
const decoded = new WeakMap<object, FieldSet>()
const encoded = new WeakMap<FieldSet, JsonObject>()

const decode = (fields: unknown): FieldSet => {
  if (!isPlainObject(fields)) return new Set()
  const cached = decoded.get(fields)
  if (cached !== undefined) return cached
  const set = fromFieldsV1(fields)
  decoded.set(fields, set)
  encoded.set(set, fields)
  return set
}

const encode = (set: FieldSet): JsonObject => {
  const cached = encoded.get(set)
  if (cached !== undefined) return cached
  const fields = toFieldsV1(set)
  encoded.set(set, fields)
  decoded.set(fields, set)
  return fields
}

export const readEntries = (object: JsonObject): Array<OwnerEntry> => {
  const raw = asObject(object.metadata).managedFields
  if (!Array.isArray(raw)) return []
  return raw.filter(isPlainObject).map((entry) => ({
    manager: typeof entry.manager === "string" ? entry.manager : "",
    operation: entry.operation === "Apply" ? "Apply" : "Update",
    subresource: typeof entry.subresource === "string" ? entry.subresource : "",
    apiVersion: typeof entry.apiVersion === "string" ? entry.apiVersion : "",
    time: typeof entry.time === "string" ? entry.time : "",
    fields: decode(entry.fieldsV1),
  }))
}

/** Serialises entries; a manager left owning nothing disappears, as on the real server. */
export const writeEntries = (entries: ReadonlyArray<OwnerEntry>): Array<ManagedFieldsEntry> =>
  entries
    .filter((entry) => entry.fields.size > 0)
    .map((entry) => ({
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      time: entry.time,
      fieldsType: "FieldsV1",
      fieldsV1: encode(entry.fields),
      ...(entry.subresource === "" ? {} : { subresource: entry.subresource }),
    }))

/**
 * The entries an update starts from. Like the real server: managedFields absent or `[]` in the
 * request keep the stored ones (clients unaware of the field never strip it); a list of empty
 * entries (`[{}]`) resets them; anything else replaces them.
 */
export const baseEntries = (stored: JsonObject, incoming: JsonObject): Array<OwnerEntry> => {
  const raw = asObject(incoming.metadata).managedFields
  if (!Array.isArray(raw) || raw.length === 0) return readEntries(stored)
  if (raw.every((entry) => isPlainObject(entry) && Object.keys(entry).length === 0)) return []
  return readEntries(incoming)
}

const sameSet = (a: FieldSet, b: FieldSet): boolean =>
  a.size === b.size && [...a].every((path) => b.has(path))

/**
 * Ownership after a non-apply write (create, update, status update) by `manager`, as
 * structured-merge-diff computes it: the writer gains the fields it changed or added and drops
 * the ones it removed; every other manager loses the fields the writer changed or added.
 */
export const recordUpdate = (
  entries: ReadonlyArray<OwnerEntry>,
  write: {
    readonly manager: string
    readonly subresource: string
    readonly apiVersion: string
    readonly now: string
    readonly changed: FieldSet
    readonly removed: FieldSet
  },
): Array<OwnerEntry> => {
  const without = (fields: FieldSet): FieldSet =>
    new Set([...fields].filter((path) => !write.changed.has(path)))
  let self: OwnerEntry | undefined
  const out: Array<OwnerEntry> = []
  for (const entry of entries) {
    if (isOwner(entry, write.manager, "Update", write.subresource)) {
      self = entry
      continue
    }
    const fields = without(entry.fields)
    out.push(sameSet(fields, entry.fields) ? entry : { ...entry, fields })
  }
  const fields = new Set(
    [...(self?.fields ?? []), ...write.changed].filter((p) => !write.removed.has(p)),
  )
  const acted =
    write.changed.size > 0 || write.removed.size > 0 || self?.apiVersion !== write.apiVersion
  const entry: OwnerEntry = {
    manager: write.manager,
    operation: "Update",
    subresource: write.subresource,
    apiVersion: write.apiVersion,
    time: self === undefined || acted ? write.now : self.time,
    fields,
  }
  out.splice(self === undefined ? out.length : entries.indexOf(self), 0, acted ? entry : self!)
  return out
}

/** The `metadata.managedFields` of `after`, written by `manager` over `before` (absent: a create). */
export const trackUpdate = (write: {
  readonly before: JsonObject | undefined
  readonly after: JsonObject
  readonly entries: ReadonlyArray<OwnerEntry>
  readonly manager: string
  readonly subresource: string
  readonly apiVersion: string
  readonly now: string
  readonly listTypes: ListTypes
  readonly scope: FieldScope
}): Array<ManagedFieldsEntry> => {
  const { fields, changed } = fieldSetAndChanges(
    write.after,
    write.before,
    write.listTypes,
    write.scope,
  )
  const before =
    write.before === undefined
      ? new Set<string>()
      : fieldSetOf(write.before, write.listTypes, write.scope)
  const removed = new Set([...before].filter((path) => !fields.has(path)))
  return writeEntries(
    recordUpdate(write.entries, {
      manager: write.manager,
      subresource: write.subresource,
      apiVersion: write.apiVersion,
      now: write.now,
      changed,
      removed,
    }),
  )
}
