import { Args, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Clock, Console, Duration, Effect, Either, Option } from "effect"
import { parseGoDuration } from "../../../schemas/k8s/Duration.ts"
import { RECONCILE_REQUESTED_AT, RECONCILE_STAGE } from "../../inventory/Labels.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { statusOf } from "../../programs/stageSet/observeStageSet.ts"
import { type CliFailure, failure } from "../CliFailure.ts"
import { connect } from "../Cluster.ts"
import { clusterOptions, namespaceOption, stageOption } from "../flags.ts"
import { getStageSet, readyOf, stageNamesOf } from "../stageSets.ts"
import { updateStageSet } from "../updateStageSet.ts"

const timeoutOption = Options.text("timeout").pipe(
  Options.mapEffect((text) =>
    Either.match(parseGoDuration(text), {
      onLeft: (why) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--timeout ${why}`))),
      onRight: (millis) => Effect.succeed(Duration.millis(millis)),
    }),
  ),
  Options.withDefault(Duration.minutes(2)),
  Options.withDescription("How long --wait waits (Go duration, e.g. 30s, 2m). Default 2m."),
)

/** Handled `token` and no run under way any more. */
export const handled = (object: KubeObject, token: string): boolean => {
  const status = statusOf(object)
  return (
    status.lastHandledReconcileAt === token &&
    !(status.conditions ?? []).some((c) => c.type === "Reconciling" && c.status === "True")
  )
}

export const reconcileCommand = Command.make(
  "reconcile",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    stage: stageOption,
    wait: Options.boolean("wait").pipe(
      Options.withDescription(
        "Wait until the controller handled the request; exit 1 if not Ready.",
      ),
    ),
    timeout: timeoutOption,
    stageSet: Args.text({ name: "stageset" }).pipe(Args.withDescription("The StageSet.")),
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* connect(flags, flags.namespace)
        const { kube, namespace } = cluster
        const name = flags.stageSet
        const token = new Date(yield* Clock.currentTimeMillis).toISOString()
        const current = yield* getStageSet(kube, namespace, name)
        const stages = stageNamesOf(current)
        if (Option.isSome(flags.stage) && !stages.includes(flags.stage.value))
          return yield* failure(
            `stageset "${name}" has no stage "${flags.stage.value}" (stages: ${stages.join(", ")})`,
          )
        yield* updateStageSet(kube, namespace, name, (live) => {
          return {
            ...live,
            metadata: {
              ...live.metadata,
              annotations: {
                ...live.metadata.annotations,
                [RECONCILE_REQUESTED_AT]: token,
                ...(Option.isSome(flags.stage) ? { [RECONCILE_STAGE]: flags.stage.value } : {}),
              },
            },
          }
        })
        yield* Console.log(
          `stageset "${name}" in namespace "${namespace}": reconcile requested at ${token}${Option.isSome(flags.stage) ? ` (from stage ${flags.stage.value})` : ""}`,
        )
        if (!flags.wait) return
        const poll: Effect.Effect<KubeObject, CliFailure> = Effect.flatMap(
          getStageSet(kube, namespace, name),
          (object) =>
            handled(object, token)
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
    "Ask the controller to reconcile a StageSet now (optionally from one stage), and optionally wait.",
  ),
)
