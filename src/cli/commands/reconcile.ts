import { Command, Options } from "@effect/cli"
import { Clock, Console, Duration, Effect, Option } from "effect"
import { goDurationOption } from "../../flags/goDurationOption.ts"
import { RECONCILE_REQUESTED_AT, RECONCILE_STAGE } from "../../inventory/Labels.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { statusOf } from "../../programs/stageSet/observeStageSet.ts"
import { formatReconcileStage } from "../../programs/stageSet/reconcileStageRequest.ts"
import { type CliFailure, failure } from "../CliFailure.ts"
import { connect } from "../Cluster.ts"
import { clusterOptions, namespaceOption, stageOption, stageSetArg } from "../flags.ts"
import { checkStages } from "../renderNamed.ts"
import { getStageSet, readyOf, stageNamesOf } from "../stageSets.ts"
import { updateStageSet } from "../updateStageSet.ts"

/**
 * The request under `token` is handled and no run is under way any more: for the whole
 * StageSet, `status.lastHandledReconcileAt`; for one stage (`<stage>@<token>`), that
 * stage's `status.stages[].lastHandledReconcileAt`, recorded once it is Ready again.
 */
export const handled = (object: KubeObject, token: string, stage?: string): boolean => {
  const status = statusOf(object)
  const recorded =
    stage === undefined
      ? status.lastHandledReconcileAt
      : status.stages?.find((s) => s.name === stage)?.lastHandledReconcileAt
  return (
    recorded === token &&
    !(status.conditions ?? []).some((c) => c.type === "Reconciling" && c.status === "True")
  )
}

/**
 * The stage request can only be handled by a run that gets that far; a failure before it
 * (the StageSet not Ready with the token echoed) ends the wait as well.
 */
const settled = (object: KubeObject, token: string, stage?: string): boolean =>
  handled(object, token, stage) ||
  (stage !== undefined && handled(object, token) && readyOf(object)?.status === "False")

export const reconcileCommand = Command.make(
  "reconcile",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    stage: stageOption.pipe(
      Options.withDescription("Re-run this stage (re-apply and re-verify) and the ones after it."),
    ),
    wait: Options.boolean("wait").pipe(
      Options.withDescription(
        "Wait until the controller handled the request; exit 3 if the StageSet ends not Ready.",
      ),
    ),
    timeout: goDurationOption(
      "timeout",
      Duration.minutes(5),
      "How long --wait waits (Go duration, e.g. 30s, 2m). Default 5m.",
    ),
    stageSet: stageSetArg,
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* connect(flags, flags.namespace)
        const { kube, namespace } = cluster
        const name = flags.stageSet
        const stage = Option.getOrUndefined(flags.stage)
        const token = new Date(yield* Clock.currentTimeMillis).toISOString()
        const current = yield* getStageSet(kube, namespace, name)
        if (stage !== undefined) yield* checkStages(name, stageNamesOf(current), [stage])
        yield* updateStageSet(kube, namespace, name, (live) => ({
          ...live,
          metadata: {
            ...live.metadata,
            annotations: {
              ...live.metadata.annotations,
              [RECONCILE_REQUESTED_AT]: token,
              ...(stage === undefined
                ? {}
                : { [RECONCILE_STAGE]: formatReconcileStage(stage, token) }),
            },
          },
        }))
        yield* Console.log(
          `stageset "${name}" in namespace "${namespace}": reconcile requested${stage === undefined ? "" : ` from stage ${stage}`} (token ${token})`,
        )
        if (!flags.wait) return
        const poll: Effect.Effect<KubeObject, CliFailure> = Effect.flatMap(
          getStageSet(kube, namespace, name),
          (object) =>
            settled(object, token, stage)
              ? Effect.succeed(object)
              : Effect.zipRight(
                  Effect.sleep("500 millis"),
                  Effect.suspend(() => poll),
                ),
        )
        const done = yield* poll.pipe(
          Effect.timeout(flags.timeout),
          Effect.catchTag("TimeoutException", () =>
            Effect.fail(
              failure(
                `timed out after ${Duration.format(flags.timeout)} waiting for stageset "${name}" to handle the reconcile request`,
              ),
            ),
          ),
        )
        const ready = readyOf(done)
        if (ready?.status !== "True")
          return yield* failure(
            `stageset "${name}" is not Ready: ${ready?.reason ?? "Unknown"}: ${ready?.message ?? ""}`,
          )
        yield* Console.log(`stageset "${name}" is Ready: ${ready.message ?? ready.reason ?? ""}`)
      }),
    ),
).pipe(
  Command.withDescription(
    "Ask the controller to reconcile a StageSet now (reconcile.fluxcd.io/requestedAt), or to re-run one stage (stages.metio.wtf/reconcile-stage: <stage>@<token>); optionally wait.",
  ),
)
