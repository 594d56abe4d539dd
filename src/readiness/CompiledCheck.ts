/**
 * A compiled `readyChecks.exprs` entry. Its own module so that the judging code
 * (celChecks.ts) and the render's types need not load the CEL engine (celCompile.ts), which
 * the controller loads only for a StageSet that has such checks (B5: ~10 MiB of RSS).
 */
import type { KubeObject } from "../kube/KubeObject.ts"

/** An expression's result on one object: a boolean, or why it could not be evaluated. */
export type Outcome = { readonly value: boolean } | { readonly error: string }

export interface CompiledExpression {
  /** Where it is written, for messages: `readyChecks.exprs[0].current`. */
  readonly field: string
  readonly run: (object: KubeObject) => Outcome
}

export interface CompiledCheck {
  readonly group: string
  readonly kind: string
  readonly current?: CompiledExpression
  readonly inProgress?: CompiledExpression
  readonly failed?: CompiledExpression
}
