import type { StageStatus } from "../../schemas/StageSet.ts"
import type { Failure } from "./failureReason.ts"
import type { RunEvent } from "./RunEvent.ts"

/** What a reconcile ended with; the controller turns it into a requeue. */
export type ReconcileOutcome =
  | { readonly _tag: "Ready" }
  | { readonly _tag: "Failed"; readonly failure: Failure }
  | { readonly _tag: "Suspended" }
  | { readonly _tag: "Deleted" }
  | { readonly _tag: "NotFound" }

export interface ReconcileReport {
  readonly outcome: ReconcileOutcome
  readonly events: ReadonlyArray<RunEvent>
  readonly applied: number
  readonly pruned: number
  /** Each current stage after the run (absent when the run did not walk the stages). */
  readonly stages?: ReadonlyArray<StageStatus>
}

/** A report of an outcome that applied and pruned nothing. */
export const reportOf = (
  outcome: ReconcileOutcome,
  events: ReadonlyArray<RunEvent> = [],
): ReconcileReport => ({ outcome, events, applied: 0, pruned: 0 })
