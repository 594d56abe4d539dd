import type { Duration } from "effect"

/**
 * The decoded StageSet fields the programs read. The controller decodes a StageSet with
 * the Schemas in `schemas/` and hands the programs this view, so a program can be run
 * from a test or the CLI without the full API object.
 */

export type ConflictAction = "Fail" | "Recreate" | "KeepExisting"

export interface ConflictRule {
  readonly target: {
    readonly apiVersion?: string | undefined
    readonly kind?: string | undefined
    readonly namespace?: string | undefined
    readonly name?: string | undefined
  }
  readonly action: ConflictAction
  readonly allowDataLoss?: boolean | undefined
}

export interface SourceRefView {
  readonly kind: string
  readonly name: string
  readonly namespace?: string | undefined
  readonly apiVersion?: string | undefined
}

export interface ReadyCheckView {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  readonly namespace?: string | undefined
}

export interface StageView {
  readonly name: string
  readonly sourceRef: SourceRefView
  readonly path?: string | undefined
  readonly prune?: boolean | undefined
  readonly timeout?: Duration.Duration | undefined
  readonly force?: boolean | undefined
  readonly conflictPolicy?:
    | {
        readonly default?: ConflictAction | undefined
        readonly rules?: ReadonlyArray<ConflictRule> | undefined
      }
    | undefined
  readonly readyChecks?:
    | {
        readonly timeout?: Duration.Duration | undefined
        readonly disableWait?: boolean | undefined
        readonly checks?: ReadonlyArray<ReadyCheckView> | undefined
      }
    | undefined
}

export interface StageSetView {
  readonly namespace: string
  readonly name: string
  readonly uid?: string | undefined
  readonly generation?: number | undefined
  readonly deleting: boolean
  readonly timeout?: Duration.Duration | undefined
  readonly suspend?: boolean | undefined
  readonly serviceAccountName?: string | undefined
  readonly stages: ReadonlyArray<StageView>
  /**
   * `stages.metio.wtf/reconcile-stage` while unhandled: re-apply this stage and the ones
   * after it even if unchanged (no fast path), and re-verify them.
   */
  readonly reconcileStage?: string | undefined
}
