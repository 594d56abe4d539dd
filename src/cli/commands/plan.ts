import { Command } from "@effect/cli"
import type { FileSystem, Path } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import type { KubeObject } from "../../kube/KubeObject.ts"
import {
  type CliFailure,
  EXIT_USAGE,
  failure,
  foundSomething,
  usageFailure,
} from "../CliFailure.ts"
import { type Connection, connect } from "../Cluster.ts"
import {
  allNamespacesOption,
  clusterOptions,
  namesArg,
  namespaceOption,
  outputOption,
  selectorOption,
  sourceDirOption,
  stagesOption,
} from "../flags.ts"
import { formatObjectName, STATE_BEARING_NOTE } from "../formatChanges.ts"
import { formatStructured } from "../output.ts"
import { type Hold, holdsOf } from "../planHolds.ts"
import { previewStageSet, type StagePreview } from "../previewStageSet.ts"
import { renderNamed } from "../renderNamed.ts"
import { shortRevision } from "../stageSetDetail.ts"
import { getStageSet, listStageSets } from "../stageSets.ts"

/** One StageSet's plan: what holds it, and per stage what would be applied and pruned. */
export interface StageSetPlan {
  readonly namespace: string
  readonly name: string
  readonly holds: ReadonlyArray<Hold>
  readonly stages: ReadonlyArray<StagePreview>
  /** Why it could not be planned (the others still are). */
  readonly error?: string
}

const changesOf = (plan: StageSetPlan) => plan.stages.flatMap((s) => s.changes)

const formatStage = (stage: StagePreview): ReadonlyArray<string> => {
  const applies = stage.changes.filter((c) => c.action !== "delete")
  const from = stage.local ? ", from --source-dir" : ""
  const head =
    stage.revision === undefined
      ? `  stage ${stage.stage} (left the spec)`
      : `  stage ${stage.stage} (revision ${shortRevision(stage.revision)}${from})`
  return [
    head,
    ...applies.map(
      (c) =>
        `    ${c.action === "create" ? "+ create" : "~ configure"} ${formatObjectName(c)}${c.fields.length === 0 ? "" : ` (${c.fields.map((f) => f.path).join(", ")})`}`,
    ),
    ...(stage.revision === undefined ? [] : [`    ${stage.unchanged} unchanged`]),
  ]
}

/** The text form: holds, then each stage, then every prune with state-bearing ones marked. */
export const formatPlan = (plan: StageSetPlan): string => {
  const title = `StageSet ${plan.namespace}/${plan.name}`
  if (plan.error !== undefined) return `${title}\n  error: ${plan.error}`
  const prunes = plan.stages.flatMap((s) => s.changes.filter((c) => c.action === "delete"))
  const total = changesOf(plan)
  return [
    title,
    ...plan.holds.map((h) => `  hold: ${h.reason}: ${h.message} [${h.from}]`),
    ...plan.stages.flatMap(formatStage),
    ...(prunes.length === 0
      ? []
      : [
          "  prunes:",
          ...prunes.map(
            (c) =>
              `    ${c.stateBearing ? "!" : "-"} ${formatObjectName(c)} (stage ${c.stage})${c.stateBearing ? ` ${STATE_BEARING_NOTE}` : ""}`,
          ),
        ]),
    total.length === 0
      ? "  nothing would change"
      : `  would change: ${total.length - prunes.length} to apply, ${prunes.length} to prune${plan.holds.length > 0 ? " (held)" : ""}`,
  ].join("\n")
}

const planOne = (
  cluster: Connection,
  object: KubeObject,
  flags: { readonly stages: ReadonlyArray<string>; readonly sourceDir: ReadonlyArray<string> },
) =>
  Effect.gen(function* (): Effect.fn.Return<
    StageSetPlan,
    CliFailure,
    FileSystem.FileSystem | Path.Path
  > {
    const namespace = object.metadata.namespace ?? ""
    const name = object.metadata.name
    const holds = yield* holdsOf(cluster.kube, object)
    const render = yield* renderNamed(cluster, {
      name,
      namespace,
      stages: flags.stages,
      sourceDirs: flags.sourceDir,
      renderAll: true,
    })
    const stages = yield* previewStageSet(cluster, render, {
      stages: flags.stages,
      showSecrets: false,
    })
    return { namespace, name, holds, stages }
  }).pipe(
    // One StageSet that cannot be planned must not hide the others; usage errors still stop.
    Effect.catchIf(
      (error: CliFailure) => error.exitCode !== EXIT_USAGE,
      (error) =>
        Effect.succeed<StageSetPlan>({
          namespace: object.metadata.namespace ?? "",
          name: object.metadata.name,
          holds: [],
          stages: [],
          error: error.message,
        }),
    ),
  )

export const planCommand = Command.make(
  "plan",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    allNamespaces: allNamespacesOption,
    selector: selectorOption,
    output: outputOption,
    stages: stagesOption,
    sourceDir: sourceDirOption,
    names: namesArg,
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        if (flags.names.length > 0 && (flags.allNamespaces || Option.isSome(flags.selector)))
          return yield* usageFailure(
            "StageSets are named, so -A/--all-namespaces and -l/--selector do not apply",
          )
        const cluster = yield* connect(flags, flags.namespace)
        const objects =
          flags.names.length > 0
            ? yield* Effect.forEach(flags.names, (name) =>
                getStageSet(cluster.kube, cluster.namespace, name),
              )
            : yield* listStageSets(
                cluster.kube,
                flags.allNamespaces ? undefined : cluster.namespace,
                Option.getOrUndefined(flags.selector),
              )
        const plans = yield* Effect.forEach(objects, (object) => planOne(cluster, object, flags))
        if (flags.output === "table")
          yield* Console.log(
            plans.length === 0 ? "No StageSets to plan." : plans.map(formatPlan).join("\n\n"),
          )
        else yield* Console.log(formatStructured(flags.output, { stageSets: plans }))
        const failed = plans.filter((p) => p.error !== undefined)
        if (failed.length > 0)
          return yield* failure(
            `${failed.length} StageSet(s) could not be planned: ${failed.map((p) => `${p.namespace}/${p.name}`).join(", ")}`,
          )
        if (plans.some((p) => changesOf(p).length > 0)) return yield* foundSomething
      }),
    ),
).pipe(
  Command.withDescription(
    "Preview the next reconcile of StageSets: per stage what would be created, changed and pruned (state-bearing kinds marked), and what holds it (suspend, dependencies, refused fields). Exit 0: nothing would change, 1: something would, 2: usage, 3: error.",
  ),
)
