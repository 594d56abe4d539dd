import { type Duration, Effect } from "effect"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { verifyTimeout } from "../../readiness/timeoutLadder.ts"
import { keyOfObject } from "../describe.ts"
import { Readiness } from "../Readiness.ts"
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

/**
 * Verify (semantics.md section 2, step 5): wait until every object of the stage and its
 * extra `readyChecks.checks` is ready by kstatus rules, within the timeout ladder. A
 * terminal failure fails fast.
 */
export const verifyStage = Effect.fn("verifyStage")(function* (
  stageSet: StageSetView,
  rendered: RenderedStage,
  /** Live objects from the apply step: their status needs no GET. */
  known: ReadonlyArray<KubeObject> = [],
) {
  const config = yield* ReconcileConfig
  const readiness = yield* Readiness
  if (rendered.stage.readyChecks?.disableWait === true) return
  const checks = yield* readyCheckKeys(stageSet.namespace, rendered.stage.readyChecks?.checks ?? [])
  const keys = [...rendered.members.map((m) => keyOfObject(m.object)), ...checks]
  if (keys.length === 0) return
  yield* readiness.waitReady(keys, stageTimeout(stageSet, rendered, config.defaultTimeout), known)
})
