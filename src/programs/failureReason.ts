/**
 * The one place where program failures become condition reasons (api.md, "Condition
 * reasons"). The table is keyed by the tag of every failure a reconcile can end with, so
 * a new failure type that is not listed here does not compile.
 */
import type { InvalidObject } from "../../schemas/InvalidObject.ts"
import type { InventoryCollision } from "../inventory/InventoryCollision.ts"
import type { KubeError } from "../kube/KubeError.ts"
import type { BuildFailed } from "../render/BuildFailed.ts"
import type { ApplyConflict } from "./errors/ApplyConflict.ts"
import type { DeleteTimeout } from "./errors/DeleteTimeout.ts"
import type { DependencyCycle, DependencyNotReady } from "./errors/dependencyErrors.ts"
import type { InvalidSpec } from "./errors/InvalidSpec.ts"
import type { KubeConfigRefused, KubeConfigUnavailable } from "./errors/kubeConfigErrors.ts"
import type { ArtifactFailed, SourceNotReady } from "./errors/sourceErrors.ts"
import type { TeardownFailed } from "./errors/TeardownFailed.ts"
import type { Unsupported } from "./errors/Unsupported.ts"
import type { VerifyFailed, VerifyTimeout } from "./errors/verifyErrors.ts"
import type { DowngradeNotAllowed, InvalidVersion } from "./errors/versionErrors.ts"

export type ConditionReason =
  | "Succeeded"
  | "Progressing"
  | "SourceNotReady"
  | "ArtifactFailed"
  | "InvalidSpec"
  | "Unsupported"
  | "DependencyNotReady"
  | "DependencyCycle"
  | "InvalidVersion"
  | "DowngradeNotAllowed"
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

/** Every failure a reconcile (or a teardown) can end with. */
export type ReconcileError =
  | InvalidObject
  | InvalidSpec
  | Unsupported
  | DependencyNotReady
  | DependencyCycle
  | InvalidVersion
  | DowngradeNotAllowed
  | InventoryCollision
  | SourceNotReady
  | ArtifactFailed
  | BuildFailed
  | ApplyConflict
  | DeleteTimeout
  | VerifyTimeout
  | VerifyFailed
  | TeardownFailed
  | KubeConfigUnavailable
  | KubeConfigRefused
  | KubeError

const REASONS: {
  readonly [Tag in ReconcileError["_tag"]]: {
    readonly reason: ConditionReason
    readonly stalled: boolean
  }
} = {
  SourceNotReady: { reason: "SourceNotReady", stalled: false },
  ArtifactFailed: { reason: "ArtifactFailed", stalled: false },
  InvalidSpec: { reason: "InvalidSpec", stalled: true },
  InvalidObject: { reason: "InvalidSpec", stalled: true },
  Unsupported: { reason: "Unsupported", stalled: true },
  DependencyNotReady: { reason: "DependencyNotReady", stalled: false },
  DependencyCycle: { reason: "DependencyCycle", stalled: true },
  InvalidVersion: { reason: "InvalidVersion", stalled: true },
  DowngradeNotAllowed: { reason: "DowngradeNotAllowed", stalled: true },
  InventoryCollision: { reason: "InvalidSpec", stalled: true },
  BuildFailed: { reason: "BuildFailed", stalled: true },
  ApplyConflict: { reason: "ApplyConflict", stalled: false },
  VerifyTimeout: { reason: "VerifyTimeout", stalled: false },
  VerifyFailed: { reason: "StageFailed", stalled: false },
  DeleteTimeout: { reason: "StageFailed", stalled: false },
  TeardownFailed: { reason: "TeardownFailed", stalled: false },
  // The Go implementation's reason for a target it cannot connect to; the message names the Secret.
  KubeConfigUnavailable: { reason: "StageFailed", stalled: false },
  // The Secret may be fixed without a change to the StageSet: retried, not Stalled.
  KubeConfigRefused: { reason: "InvalidSpec", stalled: false },
  KubeForbidden: { reason: "RBACDenied", stalled: false },
  KubeInvalid: { reason: "StageFailed", stalled: false },
  KubeNotFound: { reason: "StageFailed", stalled: false },
  KubeConflict: { reason: "StageFailed", stalled: false },
  KubeGone: { reason: "StageFailed", stalled: false },
  KubeTooManyRequests: { reason: "StageFailed", stalled: false },
  KubeTransport: { reason: "StageFailed", stalled: false },
}

export const failureOf = (error: ReconcileError): Failure => ({
  // `onTimeout: Rollback`: a timeout counts as any other failure of the stage.
  ...(error._tag === "VerifyTimeout" && error.onTimeout === "Rollback"
    ? REASONS.VerifyFailed
    : REASONS[error._tag]),
  message: error.message,
})
