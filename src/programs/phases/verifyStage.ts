import { type Duration, Effect } from "effect"
import { type KubeObject, type ObjectKey, parseApiVersion } from "../../kube/KubeObject.ts"
import { checksFor, exprStatus } from "../../readiness/celChecks.ts"
import { computeStatus } from "../../readiness/kstatus.ts"
import { current } from "../../readiness/rules/status.ts"
import { verifyTimeout } from "../../readiness/timeoutLadder.ts"
import { keyOfObject } from "../describe.ts"
import { VerifyTimeout } from "../errors/verifyErrors.ts"
import { Readiness, type ReadinessJudge } from "../Readiness.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RenderedStage } from "../RenderedStage.ts"
import type { StageSetView } from "../StageSetView.ts"
import { readyCheckKeys } from "./readyCheckKeys.ts"

/** The stage's verify timeout: readyChecks.timeout > stages[].timeout > spec.timeout > `fallback`. */
export const stageTimeout = (
  stageSet: StageSetView,
  rendered: RenderedStage,
  fallback: Duration.Duration,
): Duration.Duration => verifyTimeout(stageSet, rendered.stage, fallback)

const identity = (key: Pick<ObjectKey, "apiVersion" | "kind" | "namespace" | "name">): string =>
  [parseApiVersion(key.apiVersion).group, key.kind, key.namespace ?? "", key.name].join("|")

/**
 * How the stage's objects are judged: kstatus, and for applied objects that
 * `readyChecks.exprs` cover, their CEL checks once kstatus says Current (only the checks
 * with `disableWait`, which turns kstatus off for applied objects). `readyChecks.checks`
 * objects are always judged by kstatus alone.
 */
const judgeOf = (rendered: RenderedStage, disableWait: boolean): ReadinessJudge | undefined => {
  const exprs = rendered.readyExprs ?? []
  if (exprs.length === 0) return undefined
  const members = new Set(rendered.members.map((m) => identity(keyOfObject(m.object))))
  return (object: KubeObject) => {
    if (!members.has(identity(keyOfObject(object)))) return computeStatus(object)
    if (disableWait) return exprStatus(exprs, object) ?? current("not waited for (disableWait)")
    const kstatus = computeStatus(object)
    return kstatus.status === "Current" ? (exprStatus(exprs, object) ?? kstatus) : kstatus
  }
}

/**
 * Verify (semantics.md section 2, step 5): wait until every object of the stage is ready
 * by kstatus rules and the `readyChecks.exprs` that cover it, and every
 * `readyChecks.checks` object by kstatus, within the timeout ladder. A terminal failure
 * (kstatus Failed, or a `failed` expression holding) fails fast. `disableWait` skips the
 * kstatus wait over the applied objects; the checks and exprs still apply, as in the Go
 * implementation.
 */
export const verifyStage = Effect.fn("verifyStage")(function* (
  stageSet: StageSetView,
  rendered: RenderedStage,
  /** Live objects from the apply step: their status needs no GET. */
  known: ReadonlyArray<KubeObject> = [],
  /** Runs once before the wait, if the objects are not all ready at first look. */
  onWait: Effect.Effect<void> = Effect.void,
) {
  const config = yield* ReconcileConfig
  const readiness = yield* Readiness
  const disableWait = rendered.stage.readyChecks?.disableWait === true
  const checks = yield* readyCheckKeys(stageSet.namespace, rendered.stage.readyChecks?.checks ?? [])
  const members = rendered.members.map((m) => keyOfObject(m.object))
  const waited = disableWait
    ? members.filter((key) => checksFor(rendered.readyExprs ?? [], key).length > 0)
    : members
  const keys = [...waited, ...checks]
  if (keys.length === 0) return
  const onTimeout = rendered.stage.onTimeout ?? stageSet.onTimeout ?? "Hold"
  yield* readiness
    .waitReady(
      keys,
      stageTimeout(stageSet, rendered, config.defaultTimeout),
      known,
      judgeOf(rendered, disableWait),
      onWait,
    )
    .pipe(
      Effect.catchTag("VerifyTimeout", (timedOut) =>
        Effect.fail(
          onTimeout === "Hold"
            ? timedOut
            : new VerifyTimeout({
                ...timedOut,
                onTimeout,
                message: `${timedOut.message} (onTimeout: Rollback counts it as a failure)`,
              }),
        ),
      ),
    )
})
