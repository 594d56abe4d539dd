/**
 * The ApplySet parent hints (`contains-group-kinds`, `additional-namespaces`):
 * which group-kinds and namespaces a discovery pass must list to find every
 * member. Lists are sorted by code unit, like Go's `sort.Strings` that kubectl
 * uses, so the annotation is byte-identical for equal sets and an unchanged
 * stage writes nothing.
 */
import { Order } from "effect"
import type { ObjectRef } from "./Entry.ts"

export interface GroupKind {
  readonly group: string
  readonly kind: string
}

/** Plain `<` ordering: for the ASCII of Kubernetes names it equals Go's byte order. */
const sortUnique = (values: Iterable<string>): Array<string> =>
  [...new Set(values)].sort(Order.string)

/** `Kind.group`, or `Kind` for the core group (the KEP-3659 annotation form). */
export const groupKindOf = (ref: GroupKind): string =>
  ref.group === "" ? ref.kind : `${ref.kind}.${ref.group}`

/** The inverse of `groupKindOf`: a kind never contains a dot, a group may. */
export const parseGroupKind = (value: string): GroupKind => {
  const dot = value.indexOf(".")
  return dot < 0
    ? { group: "", kind: value }
    : { group: value.slice(dot + 1), kind: value.slice(0, dot) }
}

/** The `contains-group-kinds` list of a set of members: sorted, unique. */
export const containsGroupKinds = (refs: Iterable<GroupKind>): Array<string> => {
  const kinds: Array<string> = []
  for (const ref of refs) kinds.push(groupKindOf(ref))
  return sortUnique(kinds)
}

/** Joins a list for an annotation value. */
export const formatList = (values: ReadonlyArray<string>): string => values.join(",")

/**
 * Splits an annotation value written by us or by other tooling: items are
 * trimmed, empty items (`a,,b`, a trailing comma, an empty value) dropped, and
 * the result sorted and de-duplicated.
 */
export const parseList = (value: string | undefined): Array<string> =>
  value === undefined
    ? []
    : sortUnique(
        value
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== ""),
      )

/** The group-kinds of a `contains-group-kinds` annotation value. */
export const parseGroupKinds = (annotation: string | undefined): Array<GroupKind> =>
  parseList(annotation).map(parseGroupKind)

/**
 * The `additional-namespaces` list: member namespaces other than the parent's,
 * sorted and unique. Cluster-scoped members ("" namespace) are always listed
 * at cluster scope and need no entry.
 */
export const additionalNamespaces = (
  refs: Iterable<ObjectRef>,
  parentNamespace: string,
): Array<string> => {
  const namespaces: Array<string> = []
  for (const ref of refs) {
    if (ref.namespace !== "" && ref.namespace !== parentNamespace) namespaces.push(ref.namespace)
  }
  return sortUnique(namespaces)
}
