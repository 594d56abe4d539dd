import { Command, ValidationError } from "@effect/cli"
import { Console, Effect } from "effect"
import { CONTROLLER_VERSION } from "../version.ts"
import { EXIT_FAILURE, EXIT_USAGE } from "./CliFailure.ts"
import { buildCommand } from "./commands/build.ts"
import { diffCommand } from "./commands/diff.ts"
import { getCommand } from "./commands/get.ts"
import { inventoryCommand } from "./commands/inventory.ts"
import { reconcileCommand } from "./commands/reconcile.ts"
import { schemaCommand } from "./commands/schema.ts"
import { resumeCommand, suspendCommand } from "./commands/suspend.ts"

export const stagesetctl = Command.make("stagesetctl").pipe(
  Command.withDescription("Inspect and drive StageSets of the stageset-controller."),
  Command.withSubcommands([
    getCommand,
    inventoryCommand,
    reconcileCommand,
    suspendCommand,
    resumeCommand,
    schemaCommand,
    buildCommand,
    diffCommand,
  ]),
)

const cli = Command.run(stagesetctl, { name: "stagesetctl", version: CONTROLLER_VERSION })

const setExitCode = (code: number) =>
  Effect.sync(() => {
    process.exitCode = code
  })

/**
 * stagesetctl over argv, with its exit codes: usage errors were already printed by
 * @effect/cli with the help (2); our failures are one line on stderr with their code.
 */
export const runStagesetctl = (argv: ReadonlyArray<string>) =>
  cli(argv).pipe(
    Effect.catchIf(ValidationError.isValidationError, () => setExitCode(EXIT_USAGE)),
    Effect.catchTag("CliFailure", (error) =>
      Effect.zipRight(
        // An empty message is an outcome already printed (diff found changes).
        error.message === "" ? Effect.void : Console.error(`error: ${error.message}`),
        setExitCode(error.exitCode),
      ),
    ),
    Effect.catchAllDefect((defect) =>
      Effect.zipRight(Console.error(`error: ${String(defect)}`), setExitCode(EXIT_FAILURE)),
    ),
  )
