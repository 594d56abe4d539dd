import { isPlainObject, type JsonObject, stableStringify } from "./Json.ts"
import { keyDefaults } from "./ListTypes.ts"

/**
 * A field path is a list of elements in the API server's `fieldsV1` spelling: `f:<field>`,
 * `k:<json key>` (an item of an associative list), `v:<json value>` (a value of a set list).
 * Sets of paths are kept as `Set<string>` of encoded paths.
 */
export type FieldPath = ReadonlyArray<string>

const separator = "\u0000"

export const encodePath = (path: FieldPath): string => path.join(separator)
export const decodePath = (encoded: string): FieldPath =>
  encoded === "" ? [] : encoded.split(separator)

/** The encoded path one element below `encoded`. */
export const appendPath = (encoded: string, element: string): string =>
  encoded === "" ? element : encoded + separator + element

/** Whether `encoded` lies strictly below `ancestor`. */
export const isBelow = (encoded: string, ancestor: string): boolean =>
  encoded.startsWith(ancestor + separator)

export const fieldElement = (name: string): string => `f:${name}`
export const keyElement = (key: JsonObject): string => `k:${stableStringify(key)}`
export const valueElement = (value: unknown): string => `v:${stableStringify(value)}`

/** The key of an item of an associative list, with the server's key defaults filled in. */
export const itemKey = (item: JsonObject, keys: ReadonlyArray<string>): JsonObject => {
  const key: JsonObject = {}
  for (const name of keys) {
    const value = item[name] ?? keyDefaults[name]
    if (value !== undefined) key[name] = value
  }
  return key
}

/** Whether an element names a list item (its presence, the `.` of fieldsV1) rather than a field. */
export const isItemElement = (element: string): boolean =>
  element.startsWith("k:") || element.startsWith("v:")

/**
 * Lazily built indexes from `k:`/`v:` elements to positions, per list and key shape, so that
 * field sets over lists of tens of thousands of items stay linear. Lists are never changed in
 * place except by `removeAt`, which drops the list's indexes.
 */
const listIndexes = new WeakMap<ReadonlyArray<unknown>, Map<string, Map<string, number>>>()

const indexIn = (list: ReadonlyArray<unknown>, element: string): number => {
  if (element.startsWith("i:")) return Number(element.slice(2))
  const isKey = element.startsWith("k:")
  if (!isKey && !element.startsWith("v:")) return -1
  const parsed: unknown = JSON.parse(element.slice(2))
  if (isKey && !isPlainObject(parsed)) return -1
  const keyNames = isKey ? Object.keys(parsed as JsonObject).sort() : []
  const shape = isKey ? `k:${keyNames.join(",")}` : "v:"
  let byShape = listIndexes.get(list)
  if (byShape === undefined) {
    byShape = new Map()
    listIndexes.set(list, byShape)
  }
  let index = byShape.get(shape)
  if (index === undefined) {
    const built = new Map<string, number>()
    list.forEach((item, position) => {
      const name = !isKey
        ? valueElement(item)
        : isPlainObject(item)
          ? keyElement(itemKey(item, keyNames))
          : undefined
      if (name !== undefined && !built.has(name)) built.set(name, position)
    })
    byShape.set(shape, built)
    index = built
  }
  return index.get(isKey ? keyElement(parsed as JsonObject) : valueElement(parsed)) ?? -1
}

export type Lookup = { readonly found: true; readonly value: unknown } | { readonly found: false }

export const getAt = (root: unknown, path: FieldPath): Lookup => {
  let current = root
  for (const element of path) {
    if (element.startsWith("f:")) {
      const name = element.slice(2)
      if (!isPlainObject(current) || current[name] === undefined || current[name] === null)
        return { found: false }
      current = current[name]
    } else {
      if (!Array.isArray(current)) return { found: false }
      const index = indexIn(current, element)
      if (index < 0 || index >= current.length) return { found: false }
      current = current[index]
    }
  }
  return { found: true, value: current }
}

/** Removes the value at `path` from `root` in place; missing paths are ignored. */
export const removeAt = (root: JsonObject, path: FieldPath): void => {
  const parent = getAt(root, path.slice(0, -1))
  const last = path[path.length - 1]
  if (!parent.found || last === undefined) return
  if (last.startsWith("f:")) {
    if (isPlainObject(parent.value)) delete parent.value[last.slice(2)]
  } else if (Array.isArray(parent.value)) {
    const index = indexIn(parent.value, last)
    if (index >= 0) {
      parent.value.splice(index, 1)
      listIndexes.delete(parent.value)
    }
  }
}

/** `.spec.template.spec.containers[name="web"].image`, as conflict messages print paths. */
export const pathToString = (path: FieldPath): string =>
  path
    .map((element) => {
      const body = element.slice(2)
      if (element.startsWith("f:")) return `.${body}`
      if (element.startsWith("k:")) {
        const key: unknown = JSON.parse(body)
        const pairs = isPlainObject(key)
          ? Object.entries(key).map(([name, value]) => `${name}=${stableStringify(value)}`)
          : []
        return `[${pairs.join(",")}]`
      }
      if (element.startsWith("v:")) return `[=${body}]`
      return `[${body}]`
    })
    .join("")
