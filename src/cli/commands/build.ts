import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { connect } from "../Cluster.ts"
import {
  clusterOptions,
  namespaceOption,
  showSecretsOption,
  sourceDirOption,
  stageSetArg,
  stagesOption,
} from "../flags.ts"
import { maskSecret } from "../maskSecrets.ts"
import {
  formatJson,
  formatTable,
  formatYaml,
  OUTPUT_FORMATS,
  type OutputFormat,
} from "../output.ts"
import { renderNamed } from "../renderNamed.ts"

export const buildCommand = Command.make(
  "build",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    stages: stagesOption,
    sourceDir: sourceDirOption,
    showSecrets: showSecretsOption,
    output: Options.choice("output", OUTPUT_FORMATS).pipe(
      Options.withAlias("o"),
      Options.withDefault("yaml" as OutputFormat),
      Options.withDescription(
        "yaml (default: one document per object, each after a comment naming its stage and inventory entry id), json (a List) or table.",
      ),
    ),
    stageSet: stageSetArg,
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* connect(flags, flags.namespace)
        const { rendered } = yield* renderNamed(cluster, {
          name: flags.stageSet,
          stages: flags.stages,
          sourceDirs: flags.sourceDir,
        })
        const objects = rendered.flatMap((stage) =>
          stage.members.map((member) => ({
            stage: stage.stage.name,
            id: member.entry.id,
            source: `${member.source.file}#${member.source.index}`,
            object: flags.showSecrets ? member.object : maskSecret(member.object),
          })),
        )
        if (flags.output === "json")
          return yield* Console.log(
            formatJson({ apiVersion: "v1", kind: "List", items: objects.map((o) => o.object) }),
          )
        if (flags.output === "table")
          return yield* Console.log(
            formatTable(
              ["STAGE", "ID", "APIVERSION", "KIND", "NAME", "SOURCE"],
              objects.map((o) => [
                o.stage,
                o.id,
                o.object.apiVersion,
                o.object.kind,
                o.object.metadata.name,
                o.source,
              ]),
            ),
          )
        yield* Console.log(
          objects
            .map((o) => `# stage ${o.stage}: ${o.id}\n${formatYaml(o.object)}`)
            .join("---\n")
            .trimEnd(),
        )
      }),
    ),
).pipe(
  Command.withDescription(
    "Render a StageSet as the controller would (resolve, fetch, build, render), as YAML on stdout; Secret values masked unless --show-secrets. --source-dir renders from a local directory instead of the source.",
  ),
)
