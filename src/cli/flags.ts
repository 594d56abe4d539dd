import { Options } from "@effect/cli"
import { OUTPUT_FORMATS, type OutputFormat } from "./output.ts"

/** `--kubeconfig`, `--context`: which cluster, as kubectl reads them. */
export const clusterOptions = {
  kubeconfig: Options.text("kubeconfig").pipe(
    Options.withDescription(
      "Path to the kubeconfig file (default: KUBECONFIG, the in-cluster ServiceAccount, then ~/.kube/config).",
    ),
    Options.optional,
  ),
  context: Options.text("context").pipe(
    Options.withDescription("The kubeconfig context to use (default: its current-context)."),
    Options.optional,
  ),
}

/** `-n/--namespace`: default the context's namespace, like kubectl. */
export const namespaceOption = Options.text("namespace").pipe(
  Options.withAlias("n"),
  Options.withDescription("The namespace of the StageSet (default: the context's namespace)."),
  Options.optional,
)

export const allNamespacesOption = Options.boolean("all-namespaces").pipe(
  Options.withAlias("A"),
  Options.withDescription("List StageSets of every namespace."),
)

export const outputOption = Options.choice("output", OUTPUT_FORMATS).pipe(
  Options.withAlias("o"),
  Options.withDefault("table" as OutputFormat),
  Options.withDescription("Output format: table, yaml or json."),
)

export const stageOption = Options.text("stage").pipe(
  Options.withDescription("Only this stage."),
  Options.optional,
)
