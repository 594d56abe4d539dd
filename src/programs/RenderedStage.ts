import type { Member } from "../inventory/RecordPlan.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import type { CompiledCheck } from "../readiness/CompiledCheck.ts"
import type { ManifestFile } from "../render/ManifestFile.ts"
import type { StageView } from "./StageSetView.ts"

/** One object of a stage's render, normalised (namespace defaulted, scope from discovery). */
export interface RenderedMember extends Member {
  /** The object exactly as it will be applied (before ApplySet labels are added). */
  readonly object: KubeObject
  readonly namespaced: boolean
  /** Where it came from, for error messages. */
  readonly source: { readonly file: string; readonly index: number }
}

/** A stage's pinned render for one run. */
export interface RenderedStage {
  readonly stage: StageView
  readonly position: number
  /** The source revision the render was made from. */
  readonly revision: string
  /** `namespace/name` of the object `revision` was read from (`status.lastAttemptedRevisions`). */
  readonly revisionOf: string
  readonly members: ReadonlyArray<RenderedMember>
  /** `readyChecks.exprs`, compiled (the render refuses ones that do not compile). */
  readonly readyExprs?: ReadonlyArray<CompiledCheck>
  /** Values `postBuild` took from Secrets: no message about the stage may show them. */
  readonly secret?: ReadonlyArray<string>
  /**
   * Every file of the stage's source from its root, kept only for the stage whose file
   * `spec.version.fromArtifact` names (and never for a Secret).
   */
  readonly versionFiles?: ReadonlyArray<ManifestFile>
}
