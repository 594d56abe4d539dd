import { Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { statusOf } from "../../programs/stageSet/observeStageSet.ts"
import { usageFailure } from "../CliFailure.ts"
import { connect } from "../Cluster.ts"
import {
  allNamespacesOption,
  clusterOptions,
  namespaceOption,
  optionalNameArg,
  outputOption,
  selectorOption,
} from "../flags.ts"
import { formatStructured, formatTable } from "../output.ts"
import { formatStageSetDetail } from "../stageSetDetail.ts"
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
    selector: selectorOption,
    output: outputOption,
    name: optionalNameArg,
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        if (Option.isSome(flags.name) && (flags.allNamespaces || Option.isSome(flags.selector)))
          return yield* usageFailure(
            "a StageSet is named, so -A/--all-namespaces and -l/--selector do not apply",
          )
        const cluster = yield* connect(flags, flags.namespace)
        if (Option.isSome(flags.name)) {
          const object = yield* getStageSet(cluster.kube, cluster.namespace, flags.name.value)
          return yield* Console.log(
            flags.output === "table"
              ? formatStageSetDetail(object)
              : formatStructured(flags.output, object),
          )
        }
        const objects = yield* listStageSets(
          cluster.kube,
          flags.allNamespaces ? undefined : cluster.namespace,
          Option.getOrUndefined(flags.selector),
        )
        if (flags.output !== "table")
          return yield* Console.log(
            formatStructured(flags.output, { apiVersion: "v1", kind: "List", items: objects }),
          )
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
    "List StageSets (Ready, reason, inventory mode, each stage's phase, entries and shards), or show one in detail.",
  ),
)
