import { Args, Command } from "@effect/cli"
import { Console, Effect, Predicate } from "effect"
import { connect } from "../Cluster.ts"
import { clusterOptions, namespaceOption } from "../flags.ts"
import { updateStageSet } from "../updateStageSet.ts"

const setSuspend = (verb: "suspend" | "resume", suspend: boolean) =>
  Command.make(
    verb,
    {
      ...clusterOptions,
      namespace: namespaceOption,
      stageSet: Args.text({ name: "stageset" }).pipe(Args.withDescription("The StageSet.")),
    },
    (flags) =>
      Effect.scoped(
        Effect.gen(function* () {
          const cluster = yield* connect(flags, flags.namespace)
          yield* updateStageSet(cluster.kube, cluster.namespace, flags.stageSet, (live) => ({
            ...live,
            spec: { ...(Predicate.isRecord(live.spec) ? live.spec : {}), suspend },
          }))
          yield* Console.log(
            `stageset "${flags.stageSet}" in namespace "${cluster.namespace}" ${suspend ? "suspended" : "resumed"}`,
          )
        }),
      ),
  ).pipe(
    Command.withDescription(
      suspend
        ? "Pause a StageSet (spec.suspend: true) without deleting anything."
        : "Resume a suspended StageSet (spec.suspend: false).",
    ),
  )

export const suspendCommand = setSuspend("suspend", true)
export const resumeCommand = setSuspend("resume", false)
