/**
 * The vocabulary of the readiness rules: kstatus' four statuses, and safe
 * readers for the untyped `spec`/`status` of a live object.
 */
import { Predicate } from "effect"
import type { KubeObject } from "../../kube/KubeObject.ts"

export type ReadyStatus = "Current" | "InProgress" | "Failed" | "Terminating"

/** Where an object is, with what it still waits for (or why it failed) in words. */
export interface ObjectStatus {
  readonly status: ReadyStatus
  readonly message: string
}

export const current = (message: string): ObjectStatus => ({ status: "Current", message })
export const inProgress = (message: string): ObjectStatus => ({ status: "InProgress", message })
export const failed = (message: string): ObjectStatus => ({ status: "Failed", message })

export type Fields = Readonly<Record<string, unknown>>

/** A nested mapping, or an empty one when absent or not a mapping. */
export const fieldsAt = (value: unknown, ...path: ReadonlyArray<string>): Fields => {
  let here: unknown = value
  for (const key of path) here = Predicate.isRecord(here) ? here[key] : undefined
  return Predicate.isRecord(here) ? here : {}
}

export const specOf = (object: KubeObject): Fields => fieldsAt(object, "spec")
export const statusOf = (object: KubeObject): Fields => fieldsAt(object, "status")

export const numberAt = (fields: Fields, key: string): number | undefined => {
  const value = fields[key]
  return typeof value === "number" && Number.isFinite(value) ? value : undefined
}

export const stringAt = (fields: Fields, key: string): string | undefined => {
  const value = fields[key]
  return typeof value === "string" ? value : undefined
}

export interface Condition {
  readonly type: string
  readonly status: string
  readonly reason?: string
  readonly message?: string
  readonly observedGeneration?: number
}

/** `status.conditions`, skipping malformed entries. */
export const conditionsOf = (object: KubeObject): ReadonlyArray<Condition> => {
  const conditions = statusOf(object).conditions
  if (!Array.isArray(conditions)) return []
  return conditions.flatMap((raw): Array<Condition> => {
    if (!Predicate.isRecord(raw)) return []
    const type = stringAt(raw, "type")
    const status = stringAt(raw, "status")
    if (type === undefined || status === undefined) return []
    const reason = stringAt(raw, "reason")
    const message = stringAt(raw, "message")
    const observedGeneration = numberAt(raw, "observedGeneration")
    return [
      {
        type,
        status,
        ...(reason === undefined ? {} : { reason }),
        ...(message === undefined ? {} : { message }),
        ...(observedGeneration === undefined ? {} : { observedGeneration }),
      },
    ]
  })
}

export const findCondition = (object: KubeObject, type: string): Condition | undefined =>
  conditionsOf(object).find((condition) => condition.type === type)

/** `reason: message` of a condition, for messages; empty parts left out. */
export const explain = (condition: Condition): string =>
  [condition.reason, condition.message]
    .filter((part) => part !== undefined && part !== "")
    .join(": ")

/** `prefix: detail` when there is a detail. */
export const withDetail = (prefix: string, condition: Condition): string => {
  const detail = explain(condition)
  return detail === "" ? prefix : `${prefix}: ${detail}`
}

/**
 * Workload controllers write `status.observedGeneration` on their first pass;
 * until then the counters in `status` say nothing about this object.
 */
export const notYetObserved = (object: KubeObject): ObjectStatus | undefined =>
  numberAt(statusOf(object), "observedGeneration") === undefined
    ? inProgress(`waiting for the ${object.kind} controller to observe it`)
    : undefined
