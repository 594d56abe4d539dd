/** Plain-JSON helpers: the in-memory server keeps objects as JSON, never as class instances. */
import { Predicate } from "effect"

export type JsonObject = Record<string, unknown>

export const isPlainObject = (value: unknown): value is JsonObject => Predicate.isRecord(value)

/** A deep copy that drops `undefined` members, so stored objects are plain JSON. */
export const cloneJson = <A>(value: A): A => {
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as A
  if (isPlainObject(value)) {
    const out: JsonObject = {}
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) out[key] = cloneJson(member)
    }
    return out as A
  }
  return value
}

/** Structural equality of JSON values (member order does not matter, `undefined` members are absent). */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, index) => deepEqual(item, b[index]))
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false
    const keysA = Object.keys(a).filter((key) => a[key] !== undefined)
    const keysB = Object.keys(b).filter((key) => b[key] !== undefined)
    if (keysA.length !== keysB.length) return false
    return keysA.every((key) => deepEqual(a[key], b[key]))
  }
  return false
}

/** JSON with object members sorted, as the API server encodes `k:` path elements. */
export const stableStringify = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`
  if (isPlainObject(value)) {
    const members = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify(value[key])}`)
    return `{${members.join(",")}}`
  }
  return JSON.stringify(value)
}

/** RFC 3339 at second precision, the way the API server writes timestamps. */
export const formatTime = (millis: number): string =>
  new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")

export const asObject = (value: unknown): JsonObject => (isPlainObject(value) ? value : {})

export const asStringArray = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []
