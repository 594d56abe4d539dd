import { Command, ValidationError } from "@effect/cli"
import { Console, Effect, Record } from "effect"
import { CONTROLLER_VERSION } from "../version.ts"
import { EXIT_RUNTIME, EXIT_USAGE } from "./CliFailure.ts"

/**
 * The subcommands, in the order `--help` lists them, each loaded only when needed: a
 * command's module brings what it runs (renders, kustomize, CEL readiness, artifact
 * downloads), and loading all of it made start-up most of a `get`'s time (B10).
 */
const subcommands = {
  get: () => import("./commands/get.ts").then((m) => m.getCommand),
  build: () => import("./commands/build.ts").then((m) => m.buildCommand),
  diff: () => import("./commands/diff.ts").then((m) => m.diffCommand),
  plan: () => import("./commands/plan.ts").then((m) => m.planCommand),
  apply: () => import("./commands/apply.ts").then((m) => m.applyCommand),
  reconcile: () => import("./commands/reconcile.ts").then((m) => m.reconcileCommand),
  suspend: () => import("./commands/suspend.ts").then((m) => m.suspendCommand),
  resume: () => import("./commands/suspend.ts").then((m) => m.resumeCommand),
  inventory: () => import("./commands/inventory.ts").then((m) => m.inventoryCommand),
  schema: () => import("./commands/schema.ts").then((m) => m.schemaCommand),
}
type Name = keyof typeof subcommands
type Subcommand = Awaited<ReturnType<(typeof subcommands)[Name]>>

const isName = (word: string | undefined): word is Name =>
  word !== undefined && Object.hasOwn(subcommands, word)

const root = Command.make("stagesetctl").pipe(
  Command.withDescription(
    "Inspect and drive StageSets of the stageset-controller (also `kubectl stageset` as a kubectl plugin).",
  ),
)
const runOptions = { name: "stagesetctl", version: CONTROLLER_VERSION }

/**
 * The subcommands `argv` needs: only the one its first argument names when it names one
 * (the root has no options of its own, so nothing else can come first; the subcommand
 * parses, helps and fails exactly as within the whole tree), else all (`--help`,
 * `--completions`, a typo that deserves the list).
 */
const subcommandsFor = (argv: ReadonlyArray<string>) =>
  Effect.promise(() => {
    const first = argv[2]
    const names: ReadonlyArray<Name> = isName(first) ? [first] : Record.keys(subcommands)
    return Promise.all(names.map((name) => subcommands[name]()))
  })

/**
 * A lone `--version` prints the same line whatever the tree holds, so it runs on the
 * bare root and loads no command's code (B10: loading them all was most of its time).
 */
const isVersionOnly = (argv: ReadonlyArray<string>) => argv.length === 3 && argv[2] === "--version"

/**
 * stagesetctl over argv, to its exit code: 0 ok, 1 what diff and plan found, 2 usage
 * (@effect/cli already printed what it refused, with the help), 3 runtime. Our failures
 * are one line on stderr.
 */
export const runStagesetctl = (argv: ReadonlyArray<string>) =>
  (isVersionOnly(argv)
    ? Command.run(root, runOptions)(argv)
    : Effect.flatMap(subcommandsFor(argv), (loaded) =>
        Command.run(
          Command.withSubcommands(root, loaded as [Subcommand, ...Array<Subcommand>]),
          runOptions,
        )(argv),
      )
  ).pipe(
    Effect.as(0),
    Effect.catchIf(ValidationError.isValidationError, () => Effect.succeed(EXIT_USAGE)),
    Effect.catchTag("CliFailure", (error) =>
      Effect.as(
        // An empty message is an outcome already printed (diff found changes).
        error.message === "" ? Effect.void : Console.error(`error: ${error.message}`),
        error.exitCode,
      ),
    ),
    Effect.catchAllDefect((defect) =>
      Effect.as(Console.error(`error: ${String(defect)}`), EXIT_RUNTIME),
    ),
  )
