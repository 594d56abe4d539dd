import { asObject, deepEqual, type JsonObject } from "./Json.ts"
import type { ResourceDef } from "./ResourceTable.ts"

/**
 * The immutable-field rules of the built-in kinds the conflict policies meet, each with the
 * detail line of the real server's 422 (`<Kind> "<name>" is invalid: <detail>`).
 */

type Rule = (old: JsonObject, next: JsonObject) => string | undefined

const show = (value: unknown): string => JSON.stringify(value) ?? "null"

const fieldIsImmutable =
  (...path: ReadonlyArray<string>): Rule =>
  (old, next) => {
    const read = (object: JsonObject): unknown =>
      path.reduce<unknown>((value, name) => asObject(value)[name], object)
    const before = read(old)
    const after = read(next)
    return deepEqual(before, after)
      ? undefined
      : `${path.join(".")}: Invalid value: ${show(after)}: field is immutable`
  }

const specExcept =
  (allowed: ReadonlyArray<string>, detail: string): Rule =>
  (old, next) => {
    const strip = (object: JsonObject): JsonObject => {
      const spec = { ...asObject(object.spec) }
      for (const name of allowed) delete spec[name]
      return spec
    }
    return deepEqual(strip(old), strip(next)) ? undefined : detail
  }

const pvcSpec: Rule = (old, next) => {
  const strip = (object: JsonObject): JsonObject => {
    const spec = { ...asObject(object.spec) }
    const resources = { ...asObject(spec.resources) }
    delete resources.requests
    delete spec.volumeAttributesClassName
    return { ...spec, resources }
  }
  return deepEqual(strip(old), strip(next))
    ? undefined
    : "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
}

const clusterIP: Rule = (old, next) => {
  const before = asObject(old.spec).clusterIP
  const after = asObject(next.spec).clusterIP
  return typeof before === "string" && before !== "" && after !== undefined && after !== before
    ? `spec.clusterIP: Invalid value: ${show(after)}: field is immutable`
    : undefined
}

const immutableData =
  (...fields: ReadonlyArray<string>): Rule =>
  (old, next) => {
    if (old.immutable !== true) return undefined
    const changed = [...fields, "immutable"].find((name) => !deepEqual(old[name], next[name]))
    return changed === undefined
      ? undefined
      : `${changed}: Forbidden: field is immutable when \`immutable\` is set`
  }

const rules: Readonly<Record<string, ReadonlyArray<Rule>>> = {
  "batch/Job": [fieldIsImmutable("spec", "selector"), fieldIsImmutable("spec", "template")],
  "apps/Deployment": [fieldIsImmutable("spec", "selector")],
  "apps/ReplicaSet": [fieldIsImmutable("spec", "selector")],
  "apps/DaemonSet": [fieldIsImmutable("spec", "selector")],
  "apps/StatefulSet": [
    specExcept(
      [
        "replicas",
        "ordinals",
        "template",
        "updateStrategy",
        "persistentVolumeClaimRetentionPolicy",
        "minReadySeconds",
      ],
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ],
  "/PersistentVolumeClaim": [pvcSpec],
  "/Service": [clusterIP],
  "/ConfigMap": [immutableData("data", "binaryData")],
  "/Secret": [immutableData("data", "stringData", "type")],
  "apiextensions.k8s.io/CustomResourceDefinition": [
    fieldIsImmutable("spec", "group"),
    fieldIsImmutable("spec", "scope"),
  ],
}

/** The first immutable-field violation of replacing `old` by `next`, as a 422 detail line. */
export const immutableViolation = (
  def: ResourceDef,
  old: JsonObject,
  next: JsonObject,
): string | undefined => {
  for (const rule of rules[`${def.group}/${def.kind}`] ?? []) {
    const detail = rule(old, next)
    if (detail !== undefined) return detail
  }
  return undefined
}
