import { Command } from "@effect/cli"
import { Console } from "effect"
import { allCrds } from "../../crd/allCrds.ts"
import { formatYamlDocuments } from "../output.ts"

const exportCommand = Command.make("export", {}, () =>
  Console.log(formatYamlDocuments(allCrds()).trimEnd()),
).pipe(
  Command.withDescription(
    "Print the StageSet and StageInventory CRDs (generated from the schemas) as YAML.",
  ),
)

export const schemaCommand = Command.make("schema").pipe(
  Command.withDescription("The CRDs of this controller."),
  Command.withSubcommands([exportCommand]),
)
