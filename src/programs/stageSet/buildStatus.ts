import type { Condition } from "../../../schemas/k8s/Condition.ts"
import type { InventoryMode, StageSetStatus, StageStatus } from "../../../schemas/StageSet.ts"
import type { ConditionReason, Failure } from "../failureReason.ts"

/** Where a run stands when its status is written. */
export type RunOutcome =
  | { readonly _tag: "Running" }
  | { readonly _tag: "Ready"; readonly message: string }
  | { readonly _tag: "Failed"; readonly failure: Failure }
  | { readonly _tag: "Suspended" }

/** `status.inventoryMode` and, during a switch, where it is going and who is behind. */
export interface ModeReport {
  /** The mode every stored record satisfies (the old one during a switch). */
  readonly mode: InventoryMode
  /** The configured `--inventory-mode`. */
  readonly configured: InventoryMode
  /** Stages whose record is not in the configured mode yet. */
  readonly behind: ReadonlyArray<string>
}

export interface StatusInput {
  readonly generation: number | undefined
  readonly outcome: RunOutcome
  readonly stages: ReadonlyArray<StageStatus>
  /** Undefined only when the stored records could not be read. */
  readonly inventoryMode: ModeReport | undefined
  readonly lastHandledReconcileAt: string | undefined
  /** `status.lastAttemptedRevisions`: the revisions this run pinned, else the stored ones. */
  readonly lastAttemptedRevisions: Readonly<Record<string, string>> | undefined
  /** `status.lastAppliedRevisions`: the pinned ones of a run that ended Ready, else the stored ones. */
  readonly lastAppliedRevisions: Readonly<Record<string, string>> | undefined
  /** `status.version`: the version of a run that ended Ready, else the stored one. */
  readonly version: string | undefined
}

/** What the Ready (and Reconciling) message adds while the mode is being switched. */
const switchNote = (mode: ModeReport | undefined): string =>
  mode === undefined || mode.behind.length === 0
    ? ""
    : ` (inventory mode switching from ${mode.mode} to ${mode.configured}; stages not rewritten yet: ${mode.behind.join(", ")})`

const condition = (
  previous: ReadonlyArray<Condition>,
  now: string,
  generation: number | undefined,
  type: string,
  status: "True" | "False",
  reason: ConditionReason,
  message: string,
): Condition => {
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
 * The kstatus-compatible status, as the Schema's type: Ready always; Reconciling=True
 * while a run is under way; Stalled=True when retrying cannot help until the spec or its
 * sources change.
 */
export const buildStatus = (
  input: StatusInput,
  previous: ReadonlyArray<Condition>,
  now: string,
): StageSetStatus => {
  const note = switchNote(input.inventoryMode)
  const c = (type: string, status: "True" | "False", reason: ConditionReason, message: string) =>
    condition(previous, now, input.generation, type, status, reason, message)
  const o = input.outcome
  const conditions: Array<Condition> =
    o._tag === "Ready"
      ? [c("Ready", "True", "Succeeded", o.message + note)]
      : o._tag === "Running"
        ? [
            c("Ready", "False", "Progressing", `reconciliation in progress${note}`),
            c("Reconciling", "True", "Progressing", `reconciliation in progress${note}`),
          ]
        : o._tag === "Suspended"
          ? [c("Ready", "False", "Suspended", `reconciliation is suspended${note}`)]
          : [
              c("Ready", "False", o.failure.reason, o.failure.message + note),
              ...(o.failure.stalled
                ? [c("Stalled", "True", o.failure.reason, o.failure.message)]
                : []),
            ]
  return {
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    ...(input.inventoryMode === undefined ? {} : { inventoryMode: input.inventoryMode.mode }),
    ...(input.lastHandledReconcileAt === undefined
      ? {}
      : { lastHandledReconcileAt: input.lastHandledReconcileAt }),
    conditions,
    ...(input.lastAttemptedRevisions === undefined
      ? {}
      : { lastAttemptedRevisions: input.lastAttemptedRevisions }),
    ...(input.lastAppliedRevisions === undefined
      ? {}
      : { lastAppliedRevisions: input.lastAppliedRevisions }),
    stages: input.stages,
    ...(input.version === undefined ? {} : { version: input.version }),
  }
}
