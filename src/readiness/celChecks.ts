/**
 * Judging objects by compiled `readyChecks.exprs` (celCompile.ts has their semantics), and
 * compiling them on demand: the CEL engine is loaded the first time a StageSet has such
 * checks, so a controller whose StageSets use none never holds it (B5: ~10 MiB of RSS).
 */
import { Effect, Either } from "effect"
import type { ReadyCheckExpr } from "../../schemas/StageSet.ts"
import { type KubeObject, parseApiVersion } from "../kube/KubeObject.ts"
import type { CompiledCheck } from "./CompiledCheck.ts"
import { current, failed, inProgress, type ObjectStatus } from "./rules/status.ts"

/** celCompile.ts's compileReadyExprs, loading the CEL engine only when there are exprs. */
export const compileReadyExprsOnDemand = (
  exprs: ReadonlyArray<ReadyCheckExpr>,
  field: string,
): Effect.Effect<Either.Either<ReadonlyArray<CompiledCheck>, string>> =>
  exprs.length === 0
    ? Effect.succeed(Either.right([]))
    : Effect.map(
        Effect.promise(() => import("./celCompile.ts")),
        (cel) => cel.compileReadyExprs(exprs, field),
      )

/** The checks that apply to `object` (same group and kind). */
export const checksFor = (
  checks: ReadonlyArray<CompiledCheck>,
  object: Pick<KubeObject, "apiVersion" | "kind">,
): ReadonlyArray<CompiledCheck> => {
  const group = parseApiVersion(object.apiVersion).group
  return checks.filter((c) => c.group === group && c.kind === object.kind)
}

/**
 * The object's readiness by the checks that apply to it: Failed when a `failed`
 * expression holds, InProgress while a `current` expression does not hold (or cannot be
 * evaluated yet, e.g. no status), else Current. Undefined when no check applies.
 */
export const exprStatus = (
  checks: ReadonlyArray<CompiledCheck>,
  object: KubeObject,
): ObjectStatus | undefined => {
  const applying = checksFor(checks, object)
  if (applying.length === 0) return undefined
  const waiting: Array<string> = []
  for (const check of applying) {
    if (check.failed !== undefined) {
      const outcome = check.failed.run(object)
      if ("value" in outcome && outcome.value) return failed(`${check.failed.field} holds`)
    }
    if (check.current === undefined) continue
    const outcome = check.current.run(object)
    if ("value" in outcome && outcome.value) continue
    const still =
      check.inProgress !== undefined &&
      (() => {
        const progress = check.inProgress.run(object)
        return "value" in progress && progress.value
      })()
    const why =
      "error" in outcome
        ? `${check.current.field} cannot be evaluated yet: ${outcome.error}`
        : `${check.current.field} does not hold yet`
    waiting.push(still ? `${why} (${check.inProgress?.field} holds: still in progress)` : why)
  }
  return waiting.length === 0 ? current("readyChecks.exprs hold") : inProgress(waiting.join("; "))
}
