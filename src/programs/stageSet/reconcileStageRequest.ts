/**
 * `stages.metio.wtf/reconcile-stage`: re-run one stage (and the ones after it) even though
 * nothing changed. Two forms are honoured: `<stage>@<token>`, the public Go
 * implementation's, handled once per token and recorded in that stage's
 * `status.stages[].lastHandledReconcileAt`; and a bare `<stage>`, this controller's
 * earlier form, handled once per `reconcile.fluxcd.io/requestedAt` token.
 */
export interface ReconcileStageRequest {
  readonly stage: string
  /** Present in the `<stage>@<token>` form. */
  readonly token?: string
}

/** The annotation's request; undefined when absent or malformed (`@token`, `stage@`). */
export const parseReconcileStage = (
  value: string | undefined,
): ReconcileStageRequest | undefined => {
  if (value === undefined || value === "") return undefined
  const at = value.indexOf("@")
  if (at < 0) return { stage: value }
  const stage = value.slice(0, at)
  const token = value.slice(at + 1)
  return stage === "" || token === "" ? undefined : { stage, token }
}

/** The annotation value that asks for `stage` once, under `token`. */
export const formatReconcileStage = (stage: string, token: string): string => `${stage}@${token}`
