import { Args, Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { failure } from "../CliFailure.ts"
import { connect } from "../Cluster.ts"
import { clusterOptions, namespaceOption, outputOption, stageOption } from "../flags.ts"
import { inventoryViews, type StageInventoryView } from "../inventoryView.ts"
import { formatStructured, formatTable } from "../output.ts"
import { getStageSet, listShards, stageNamesOf } from "../stageSets.ts"

/** The human form: per stage, the shard layout then the decoded objects. */
export const formatInventory = (views: ReadonlyArray<StageInventoryView>): string =>
  views
    .map((view) => {
      const layout = formatTable(
        ["SHARD", "ENTRIES"],
        view.shards.map((shard) => [shard.name, String(shard.entries)]),
      )
      const entries =
        view.entries.length === 0 && view.mode === undefined && view.applySet !== undefined
          ? "No entries recorded (an applyset-mode record of an earlier version): members are found by the applyset.kubernetes.io/part-of label until the next reconcile records them."
          : formatTable(
              ["SHARD", "APIVERSION", "KIND", "NAMESPACE", "NAME"],
              view.entries.map((entry) =>
                entry.valid
                  ? [entry.shard, entry.apiVersion, entry.kind, entry.namespace, entry.name]
                  : [entry.shard, entry.apiVersion, "(invalid id)", "", entry.id],
              ),
            )
      const applySet =
        view.applySet === undefined
          ? []
          : [
              `ApplySet id: ${view.applySet.id}`,
              `Contains group kinds: ${view.applySet.containsGroupKinds.join(", ") || "(none)"}`,
            ]
      const header = `Stage ${view.stage}: ${view.entries.length} entries in ${view.shards.length} shard(s)${view.mode === undefined ? "" : `, ${view.mode} mode`}`
      return [header, layout, "", entries, ...(applySet.length > 0 ? ["", ...applySet] : [])].join(
        "\n",
      )
    })
    .join("\n\n")

export const inventoryCommand = Command.make(
  "inventory",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    output: outputOption,
    stage: stageOption,
    stageSet: Args.text({ name: "stageset" }).pipe(Args.withDescription("The StageSet.")),
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* connect(flags, flags.namespace)
        const stageSet = yield* getStageSet(cluster.kube, cluster.namespace, flags.stageSet)
        const stageOrder = stageNamesOf(stageSet)
        const shards = yield* listShards(cluster.kube, cluster.namespace, flags.stageSet)
        const all = inventoryViews(shards, stageOrder)
        const views = Option.match(flags.stage, {
          onNone: () => all,
          onSome: (stage) => all.filter((view) => view.stage === stage),
        })
        if (Option.isSome(flags.stage) && !stageOrder.includes(flags.stage.value))
          return yield* failure(
            `stageset "${flags.stageSet}" has no stage "${flags.stage.value}" (stages: ${stageOrder.join(", ")})`,
          )
        if (flags.output !== "table")
          return yield* Console.log(formatStructured(flags.output, { stages: views }))
        if (views.length === 0)
          return yield* Console.log(
            `No inventory recorded for stageset "${flags.stageSet}" in namespace "${cluster.namespace}".`,
          )
        yield* Console.log(formatInventory(views))
      }),
    ),
).pipe(
  Command.withDescription(
    "Show the objects a StageSet's inventory records (decoded entry ids) and its shard layout.",
  ),
)
