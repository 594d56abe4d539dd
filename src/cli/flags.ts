import { Args, HelpDoc, Options } from "@effect/cli"
import { Effect } from "effect"
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
  Options.withDescription("StageSets of every namespace."),
)

export const selectorOption = Options.text("selector").pipe(
  Options.withAlias("l"),
  Options.withDescription("Only StageSets whose labels match this selector (e.g. team=payments)."),
  Options.optional,
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

/** `--stage`, repeatable: the stages a command works on (default: all). */
export const stagesOption = Options.text("stage").pipe(
  Options.repeated,
  Options.withDescription("Only these stages (repeatable; default: every stage)."),
)

export const sourceDirOption = Options.text("source-dir").pipe(
  Options.repeated,
  Options.withDescription(
    "[STAGE=]PATH: render from a local directory (what the stage's artifact would unpack to) instead of fetching its source; a bare PATH serves every stage without one of its own (repeatable).",
  ),
)

export const showSecretsOption = Options.boolean("show-secrets").pipe(
  Options.withDescription("Show the values of Secrets (masked as *** by default)."),
)

/**
 * A positional argument that is never a flag: the parser hands an unknown `--flag` to a
 * free positional slot, where it would be taken as a name and never refused.
 */
const notAFlag = (args: Args.Args<string>): Args.Args<string> =>
  Args.mapEffect(args, (value) =>
    value.startsWith("-")
      ? Effect.fail(HelpDoc.p(`unknown flag: ${value}`))
      : Effect.succeed(value),
  )

/** The StageSet a command works on. */
export const stageSetArg = notAFlag(Args.text({ name: "stageset" })).pipe(
  Args.withDescription("The StageSet."),
)

/** An optional StageSet name (`get [NAME]`). */
export const optionalNameArg = notAFlag(Args.text({ name: "name" })).pipe(
  Args.withDescription("A StageSet (default: every StageSet of the namespace)."),
  Args.optional,
)

/** Any number of StageSet names (`plan [NAME...]`). */
export const namesArg = notAFlag(Args.text({ name: "name" })).pipe(
  Args.withDescription("StageSets (default: every StageSet of the namespace, or -A / -l)."),
  Args.repeated,
)
