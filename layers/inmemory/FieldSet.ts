import {
  appendPath,
  decodePath,
  encodePath,
  type FieldPath,
  fieldElement,
  itemKey,
  keyElement,
  valueElement,
} from "./FieldPath.ts"
import { deepEqual, isPlainObject, type JsonObject, stableStringify } from "./Json.ts"
import type { ListTypes } from "./ListTypes.ts"

/** A set of encoded field paths (see FieldPath.ts). */
export type FieldSet = Set<string>

/**
 * Which part of an object a write may touch: everything (kinds without a status subresource),
 * everything but `.status` (the main resource of kinds with one), or only `.status`.
 */
export type FieldScope = "all" | "main" | "status"

/** Metadata the server owns; never part of any manager's field set. */
const serverMetadata = new Set([
  "name",
  "namespace",
  "generateName",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
])

const isScalar = (value: unknown): boolean => value === null || typeof value !== "object"

/** Marks a value missing from the object compared against. */
const absent: unique symbol = Symbol("absent")
type Prior = unknown

interface Walk {
  readonly listTypes: ListTypes
  readonly out: FieldSet
  /** When set, also collects the paths whose value differs from the prior object's. */
  readonly changed: FieldSet | undefined
  /** Comparing an applied configuration: an empty map merged into a map changes nothing. */
  readonly merging: boolean
}

/** The schema position as a linked list, turned into an array only where a list is met. */
interface SchemaStep {
  readonly name: string
  readonly parent: SchemaStep | undefined
}

const schemaPath = (step: SchemaStep | undefined): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let at = step; at !== undefined; at = at.parent) out.push(at.name)
  return out.reverse()
}

const member = (prior: Prior, name: string): Prior => {
  if (!isPlainObject(prior)) return absent
  const value = prior[name]
  return value === undefined || value === null ? absent : value
}

const emit = (walk: Walk, encoded: string, changed: boolean): void => {
  walk.out.add(encoded)
  if (changed) walk.changed?.add(encoded)
}

const visit = (
  walk: Walk,
  value: unknown,
  prior: Prior,
  path: string,
  schema: SchemaStep,
): void => {
  if (isPlainObject(value)) {
    let empty = true
    for (const name in value) {
      const child = value[name]
      if (child === undefined || child === null) continue
      empty = false
      visit(walk, child, member(prior, name), appendPath(path, fieldElement(name)), {
        name,
        parent: schema,
      })
    }
    if (empty)
      emit(
        walk,
        path,
        prior === absent || (walk.merging ? !isPlainObject(prior) : !deepEqual(prior, value)),
      )
    return
  }
  if (Array.isArray(value) && value.length > 0) {
    const listType = walk.listTypes(schemaPath(schema))
    if (listType.type === "map" && value.every(isPlainObject)) {
      const keys = value.map((item) => keyElement(itemKey(item, listType.keys)))
      if (new Set(keys).size === value.length && keys.every((key) => key !== "k:{}")) {
        const priorItems = new Map<string, unknown>()
        if (walk.changed !== undefined && Array.isArray(prior))
          for (const item of prior)
            if (isPlainObject(item)) priorItems.set(keyElement(itemKey(item, listType.keys)), item)
        const itemSchema: SchemaStep = { name: "[]", parent: schema }
        value.forEach((item, index) => {
          const key = keys[index]!
          const itemPath = appendPath(path, key)
          const priorItem = priorItems.has(key) ? priorItems.get(key) : absent
          emit(walk, itemPath, priorItem === absent)
          visit(walk, item, priorItem, itemPath, itemSchema)
        })
        return
      }
    }
    if (listType.type === "set" && value.every(isScalar)) {
      const priorValues = new Set(
        Array.isArray(prior) ? prior.map((item) => stableStringify(item)) : [],
      )
      for (const item of value)
        emit(walk, appendPath(path, valueElement(item)), !priorValues.has(stableStringify(item)))
      return
    }
  }
  emit(walk, path, prior === absent || !deepEqual(prior, value))
}

const walkObject = (walk: Walk, object: JsonObject, prior: Prior, scope: FieldScope): void => {
  for (const [name, value] of Object.entries(object)) {
    if (name === "apiVersion" || name === "kind" || value === undefined || value === null) continue
    if (scope === "status" ? name !== "status" : scope === "main" && name === "status") continue
    if (name === "metadata" && isPlainObject(value)) {
      const priorMeta = member(prior, "metadata")
      const metadata: SchemaStep = { name: "metadata", parent: undefined }
      for (const [field, child] of Object.entries(value)) {
        if (serverMetadata.has(field) || child === undefined || child === null) continue
        const path = encodePath(["f:metadata", fieldElement(field)])
        visit(walk, child, member(priorMeta, field), path, { name: field, parent: metadata })
      }
      continue
    }
    visit(walk, value, member(prior, name), fieldElement(name), { name, parent: undefined })
  }
}

/** Every leaf path (and every associative-list item) of an object, within `scope`. */
export const fieldSetOf = (
  object: JsonObject,
  listTypes: ListTypes,
  scope: FieldScope,
): FieldSet => {
  const out: FieldSet = new Set()
  walkObject({ listTypes, out, changed: undefined, merging: false }, object, absent, scope)
  return out
}

/**
 * The field set of `after`, and the part of it whose value is not the same in `before`
 * (new fields, changed leaves, new list items), in one linear walk. With `merging`, `after` is
 * an applied configuration about to be merged into `before`.
 */
export const fieldSetAndChanges = (
  after: JsonObject,
  before: JsonObject | undefined,
  listTypes: ListTypes,
  scope: FieldScope,
  merging = false,
): { readonly fields: FieldSet; readonly changed: FieldSet } => {
  const fields: FieldSet = new Set()
  const changed: FieldSet = new Set()
  walkObject({ listTypes, out: fields, changed, merging }, after, before ?? absent, scope)
  return { fields, changed }
}

interface Node {
  member: boolean
  readonly children: Map<string, Node>
}

/** The `fieldsV1` JSON of a field set: nested `f:`/`k:`/`v:` objects, `.` marking owned items. */
export const toFieldsV1 = (set: FieldSet): JsonObject => {
  const root: Node = { member: false, children: new Map() }
  for (const encoded of set) {
    let node = root
    for (const element of decodePath(encoded)) {
      let child = node.children.get(element)
      if (child === undefined) {
        child = { member: false, children: new Map() }
        node.children.set(element, child)
      }
      node = child
    }
    node.member = true
  }
  const render = (node: Node): JsonObject => {
    const out: JsonObject = {}
    if (node.member && node.children.size > 0) out["."] = {}
    for (const name of [...node.children.keys()].sort())
      out[name] = render(node.children.get(name)!)
    return out
  }
  return render(root)
}

export const fromFieldsV1 = (fields: unknown): FieldSet => {
  const out: FieldSet = new Set()
  const visit = (node: unknown, path: FieldPath): void => {
    if (!isPlainObject(node)) return
    const names = Object.keys(node)
    if (names.length === 0 && path.length > 0) out.add(encodePath(path))
    for (const name of names) {
      if (name === ".") out.add(encodePath(path))
      else visit(node[name], [...path, name])
    }
  }
  visit(fields, [])
  return out
}
