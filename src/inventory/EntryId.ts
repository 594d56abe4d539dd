/**
 * Inventory entry ids: `namespace_name_group_kind` (api.md), the form Flux and
 * cli-utils use, with a `:` in a name (RBAC names such as `system:metrics`)
 * written as `__`.
 *
 * Why the id round-trips for every ref `validateRef` accepts, including names
 * that start or end with `:` or hold `::`:
 * - the namespace holds no `_`, so it is everything before the first `_`;
 * - the kind holds no `_`, so it is everything after the last `_`;
 * - the group holds no `_`, so between those two it is everything after the
 *   last remaining `_`, and what precedes that separator is the escaped name.
 * Parsing therefore never has to guess where the escaped name ends: a name
 * ending in `:` gives `...name__` + `_` + group, and the group separator is
 * the last `_` of that run. The escaped name is decoded by turning each `__`
 * into `:`; as names never contain `_`, every run of `_` in it has even length,
 * and an odd run marks a malformed id. (A cli-utils style parser that splits on
 * `_` and counts fields cannot tell `:x` or `x:` apart from a missing field;
 * this one never splits the name.)
 *
 * The one ref that cannot round-trip is one whose name contains `_`: the
 * format cannot tell `a__b` (from `a:b`) from a literal `a__b`. DNS names never
 * hold `_`, but some kinds (RBAC roles, for one) accept arbitrary path-segment
 * names. `validateRef` rejects them so the render can report them, and
 * `formatEntryId` refuses to write an id that would not parse back.
 */
import { type KubeObject, parseApiVersion } from "../kube/KubeObject.ts"
import type { Entry, ObjectRef } from "./Entry.ts"

const SEPARATOR = "_"
const ESCAPED_COLON = "__"

/**
 * Why `ref` cannot be stored as an entry id, or undefined when it can. These
 * are exactly the conditions the round trip needs; Kubernetes' own name rules
 * are the API server's business.
 */
export const validateRef = (ref: ObjectRef): string | undefined => {
  if (ref.name === "") return "the object has no name"
  if (ref.kind === "") return `object "${ref.name}" has no kind`
  if (ref.name.includes(SEPARATOR))
    return `${ref.kind} "${ref.name}": names containing "_" cannot be recorded in the inventory`
  if (ref.namespace.includes(SEPARATOR))
    return `${ref.kind} "${ref.name}": namespace "${ref.namespace}" contains "_"`
  if (ref.group.includes(SEPARATOR))
    return `${ref.kind} "${ref.name}": API group "${ref.group}" contains "_"`
  if (ref.kind.includes(SEPARATOR)) return `kind "${ref.kind}" contains "_"`
  return undefined
}

/**
 * `namespace_name_group_kind`. Throws (a defect) for a ref `validateRef`
 * rejects: the render validates refs first, so reaching this with one is a bug,
 * and writing an id that parses back to another object could prune the wrong one.
 */
export const formatEntryId = (ref: ObjectRef): string => {
  const problem = validateRef(ref)
  if (problem !== undefined) throw new Error(`cannot format an inventory entry id: ${problem}`)
  const name = ref.name.includes(":") ? ref.name.replaceAll(":", ESCAPED_COLON) : ref.name
  return `${ref.namespace}${SEPARATOR}${name}${SEPARATOR}${ref.group}${SEPARATOR}${ref.kind}`
}

/** The ref an id names, or undefined when `id` is not an id `formatEntryId` could have written. */
export const parseEntryId = (id: string): ObjectRef | undefined => {
  const first = id.indexOf(SEPARATOR)
  const last = id.lastIndexOf(SEPARATOR)
  if (first < 0 || last === first) return undefined
  const middle = id.slice(first + 1, last)
  const groupSeparator = middle.lastIndexOf(SEPARATOR)
  if (groupSeparator < 0) return undefined
  const escapedName = middle.slice(0, groupSeparator)
  // A colon of the name is always escaped; a raw one means another writer.
  if (escapedName.includes(":")) return undefined
  // Left to right, non-overlapping: a run of 2k `_` becomes k colons, an odd
  // run leaves one `_` behind, which no valid name holds.
  const name = escapedName.replaceAll(ESCAPED_COLON, ":")
  const ref: ObjectRef = {
    group: middle.slice(groupSeparator + 1),
    kind: id.slice(last + 1),
    namespace: id.slice(0, first),
    name,
  }
  return validateRef(ref) === undefined ? ref : undefined
}

/** The group part of an apiVersion: `apps/v1` -> `apps`, `v1` -> "". */
export const groupOfApiVersion = (apiVersion: string): string => parseApiVersion(apiVersion).group

/**
 * The ref of a rendered or live object. Whether its kind is namespaced comes
 * from discovery, not from the manifest: a namespace written on a
 * cluster-scoped object is ignored, as the API server ignores it. A namespaced
 * object without one gets `defaultNamespace` (the StageSet's namespace).
 */
export const refOf = (
  object: KubeObject,
  namespaced: boolean,
  defaultNamespace = "",
): ObjectRef => ({
  group: groupOfApiVersion(object.apiVersion),
  kind: object.kind,
  namespace: namespaced ? object.metadata.namespace || defaultNamespace : "",
  name: object.metadata.name,
})

/** The entry recording `ref` applied at `apiVersion`. */
export const entryOf = (ref: ObjectRef, apiVersion: string): Entry => ({
  id: formatEntryId(ref),
  v: apiVersion,
})

/**
 * The object an entry names, addressed at the version it was applied at, or
 * undefined when the entry is malformed (bad id, or a `v` of another group).
 */
export const keyOfEntry = (
  entry: Entry,
): { readonly ref: ObjectRef; readonly apiVersion: string } | undefined => {
  const ref = parseEntryId(entry.id)
  const { group, version } = parseApiVersion(entry.v)
  if (ref === undefined || version === "" || group !== ref.group) return undefined
  return { ref, apiVersion: entry.v }
}
