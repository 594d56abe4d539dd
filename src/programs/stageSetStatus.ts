import type { InventoryMode } from "../inventory/InventoryMode.ts"
import type { ConditionReason, Failure } from "./failureReason.ts"
import type { StageProgress } from "./runStageSet.ts"

export interface ConditionValue {
  readonly type: string
  readonly status: "True" | "False" | "Unknown"
  readonly observedGeneration?: number
  readonly lastTransitionTime: string
  readonly reason: string
  readonly message: string
}

/** `status` of a StageSet as the controller writes it (the wire form). */
export interface StatusValue {
  readonly observedGeneration?: number
  readonly inventoryMode?: InventoryMode
  readonly lastHandledReconcileAt?: string
  readonly conditions: ReadonlyArray<ConditionValue>
  readonly stages: ReadonlyArray<{
    readonly name: string
    readonly position: number
    readonly phase: string
    readonly revision?: string
    readonly entriesCount: number
    readonly shards: number
    readonly message: string
  }>
}

export interface StatusInput {
  readonly generation: number | undefined
  /** Undefined while running; set once the run ended. */
  readonly outcome:
    | { readonly _tag: "Running" }
    | { readonly _tag: "Ready"; readonly message: string }
    | { readonly _tag: "Failed"; readonly failure: Failure }
    | { readonly _tag: "Suspended" }
  readonly stages: ReadonlyArray<StageProgress>
  readonly inventoryMode: InventoryMode | undefined
  readonly lastHandledReconcileAt: string | undefined
}

const condition = (
  previous: ReadonlyArray<ConditionValue>,
  now: string,
  generation: number | undefined,
  type: string,
  status: "True" | "False",
  reason: ConditionReason,
  message: string,
): ConditionValue => {
  const before = previous.find((c) => c.type === type)
  // lastTransitionTime moves only when the status flips (metav1.Condition convention).
  const lastTransitionTime =
    before !== undefined && before.status === status ? before.lastTransitionTime : now
  return {
    type,
    status,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    lastTransitionTime,
    reason,
    message,
  }
}

/**
 * The kstatus-compatible status: Ready always; Reconciling=True while a run is under way;
 * Stalled=True when retrying cannot help until the spec or its sources change.
 */
export const buildStatus = (
  input: StatusInput,
  previous: ReadonlyArray<ConditionValue>,
  now: string,
): StatusValue => {
  const c = (type: string, status: "True" | "False", reason: ConditionReason, message: string) =>
    condition(previous, now, input.generation, type, status, reason, message)
  const o = input.outcome
  const conditions: Array<ConditionValue> =
    o._tag === "Ready"
      ? [c("Ready", "True", "Succeeded", o.message)]
      : o._tag === "Running"
        ? [
            c("Ready", "False", "Progressing", "reconciliation in progress"),
            c("Reconciling", "True", "Progressing", "reconciliation in progress"),
          ]
        : o._tag === "Suspended"
          ? [c("Ready", "False", "Suspended", "reconciliation is suspended")]
          : [
              c("Ready", "False", o.failure.reason, o.failure.message),
              ...(o.failure.stalled
                ? [c("Stalled", "True", o.failure.reason, o.failure.message)]
                : []),
            ]
  return {
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    ...(input.inventoryMode === undefined ? {} : { inventoryMode: input.inventoryMode }),
    ...(input.lastHandledReconcileAt === undefined
      ? {}
      : { lastHandledReconcileAt: input.lastHandledReconcileAt }),
    conditions,
    stages: input.stages.map((s) => ({
      name: s.name,
      position: s.position,
      phase: s.phase,
      ...(s.revision === undefined ? {} : { revision: s.revision }),
      entriesCount: s.entriesCount,
      shards: s.shards,
      message: s.message,
    })),
  }
}

/** Compares two statuses as the API server would store them (key order does not matter). */
export const sameStatus = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b)

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  )
