/**
 * The one place where program failures become condition reasons (api.md, "Condition
 * reasons"). Every tagged failure a reconcile can end with is listed; anything else is a
 * bug and surfaces as StageFailed with its message.
 */

export type ConditionReason =
  | "Succeeded"
  | "Progressing"
  | "SourceNotReady"
  | "ArtifactFailed"
  | "InvalidSpec"
  | "BuildFailed"
  | "StageFailed"
  | "ApplyConflict"
  | "PruneFailed"
  | "VerifyTimeout"
  | "RBACDenied"
  | "Suspended"
  | "TeardownFailed"

export interface Failure {
  readonly reason: ConditionReason
  readonly message: string
  /** Retrying without a change to the StageSet or its sources cannot help (kstatus Stalled). */
  readonly stalled: boolean
}

const REASONS: Readonly<Record<string, { reason: ConditionReason; stalled: boolean }>> = {
  SourceNotReady: { reason: "SourceNotReady", stalled: false },
  ArtifactFailed: { reason: "ArtifactFailed", stalled: false },
  InvalidSpec: { reason: "InvalidSpec", stalled: true },
  InvalidObject: { reason: "InvalidSpec", stalled: true },
  InventoryCollision: { reason: "InvalidSpec", stalled: true },
  BuildFailed: { reason: "BuildFailed", stalled: true },
  ApplyConflict: { reason: "ApplyConflict", stalled: false },
  StageFailed: { reason: "StageFailed", stalled: false },
  PruneFailed: { reason: "PruneFailed", stalled: false },
  VerifyTimeout: { reason: "VerifyTimeout", stalled: false },
  VerifyFailed: { reason: "StageFailed", stalled: false },
  DeleteTimeout: { reason: "StageFailed", stalled: false },
  TeardownFailed: { reason: "TeardownFailed", stalled: false },
  KubeForbidden: { reason: "RBACDenied", stalled: false },
  KubeInvalid: { reason: "StageFailed", stalled: false },
}

export const failureOf = (error: { readonly _tag: string; readonly message: string }): Failure => {
  const known = REASONS[error._tag] ?? { reason: "StageFailed" as const, stalled: false }
  return { ...known, message: error.message }
}
