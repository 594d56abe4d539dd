import type { Stage, StageSetSpec } from "../../schemas/StageSet.ts"
import type { ReconcileStageRequest } from "./stageSet/reconcileStageRequest.ts"

/** One stage exactly as its Schema decodes it (defaults filled). */
export type StageView = Stage

/**
 * What the programs read of a StageSet: its decoded spec fields (the Schema's types, so
 * nothing is restated here) and the metadata a run needs. A program can be run from a
 * test or the CLI without the full API object.
 */
export interface StageSetView
  extends Pick<
    StageSetSpec,
    | "timeout"
    | "onTimeout"
    | "suspend"
    | "serviceAccountName"
    | "stages"
    | "dependsOn"
    | "version"
    | "kubeConfig"
  > {
  readonly namespace: string
  readonly name: string
  readonly uid?: string | undefined
  readonly generation?: number | undefined
  readonly deleting: boolean
  /**
   * `stages.metio.wtf/reconcile-stage` while unhandled: re-apply this stage and the ones
   * after it even if unchanged (no fast path), and re-verify them; a token is recorded in
   * the stage's status once it is Ready.
   */
  readonly reconcileStage?: ReconcileStageRequest | undefined
  /**
   * Field paths that ask for what this controller does not do (`unsupportedFields`): a
   * reconcile refuses the StageSet as Unsupported while any is set.
   */
  readonly unsupported: ReadonlyArray<string>
  /** `status.version` as stored: what a version from `spec.version` is compared with. */
  readonly deployedVersion?: string | undefined
}
