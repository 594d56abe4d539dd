import { Args, Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { statusOf } from "../../programs/stageSet/observeStageSet.ts"
import { connect } from "../Cluster.ts"
import { allNamespacesOption, clusterOptions, namespaceOption, outputOption } from "../flags.ts"
import { formatStructured, formatTable } from "../output.ts"
import { getStageSet, listStageSets, readyOf, specOf } from "../stageSets.ts"

/** One table row per stage (or one row for a StageSet without stage status yet). */
export const stageSetRows = (
  objects: ReadonlyArray<KubeObject>,
  withNamespace: boolean,
): { readonly headers: ReadonlyArray<string>; readonly rows: ReadonlyArray<Array<string>> } => {
  const headers = [
    ...(withNamespace ? ["NAMESPACE"] : []),
    "NAME",
    "READY",
    "REASON",
    "MODE",
    "STAGE",
    "PHASE",
    "ENTRIES",
    "SHARDS",
  ]
  const rows = objects.flatMap((object) => {
    const status = statusOf(object)
    const ready = readyOf(object)
    const suspended = Option.exists(specOf(object), (spec) => spec.suspend)
    const head = [
      ...(withNamespace ? [object.metadata.namespace ?? ""] : []),
      object.metadata.name,
      ready?.status ?? "Unknown",
      `${ready?.reason ?? "-"}${suspended ? " (suspended)" : ""}`,
      status.inventoryMode ?? "-",
    ]
    const stages = status.stages ?? []
    if (stages.length === 0) return [[...head, "-", "-", "-", "-"]]
    return stages.map((stage) => [
      ...head,
      stage.name,
      stage.phase ?? "-",
      String(stage.entriesCount ?? 0),
      String(stage.shards ?? 0),
    ])
  })
  return { headers, rows }
}

export const getCommand = Command.make(
  "get",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    allNamespaces: allNamespacesOption,
    output: outputOption,
    name: Args.text({ name: "name" }).pipe(
      Args.withDescription("A StageSet (default: every StageSet of the namespace)."),
      Args.optional,
    ),
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* connect(flags, flags.namespace)
        const objects = yield* Option.match(flags.name, {
          onSome: (name) =>
            Effect.map(getStageSet(cluster.kube, cluster.namespace, name), (o) => [o]),
          onNone: () =>
            listStageSets(cluster.kube, flags.allNamespaces ? undefined : cluster.namespace),
        })
        if (flags.output !== "table") {
          const value =
            Option.isSome(flags.name) && objects[0] !== undefined
              ? objects[0]
              : { apiVersion: "v1", kind: "List", items: objects }
          return yield* Console.log(formatStructured(flags.output, value))
        }
        if (objects.length === 0)
          return yield* Console.error(
            flags.allNamespaces
              ? "No StageSets found."
              : `No StageSets found in namespace "${cluster.namespace}".`,
          )
        const table = stageSetRows(objects, flags.allNamespaces)
        yield* Console.log(formatTable(table.headers, table.rows))
      }),
    ),
).pipe(
  Command.withDescription(
    "Show StageSets: Ready, reason, inventory mode, and each stage's phase, entries and shards.",
  ),
)
