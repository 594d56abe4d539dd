import { Command, ValidationError } from "@effect/cli"
import { Console, Effect } from "effect"
import { CONTROLLER_VERSION } from "../version.ts"
import { EXIT_RUNTIME, EXIT_USAGE } from "./CliFailure.ts"
import { applyCommand } from "./commands/apply.ts"
import { buildCommand } from "./commands/build.ts"
import { diffCommand } from "./commands/diff.ts"
import { getCommand } from "./commands/get.ts"
import { inventoryCommand } from "./commands/inventory.ts"
import { planCommand } from "./commands/plan.ts"
import { reconcileCommand } from "./commands/reconcile.ts"
import { schemaCommand } from "./commands/schema.ts"
import { resumeCommand, suspendCommand } from "./commands/suspend.ts"

export const stagesetctl = Command.make("stagesetctl").pipe(
  Command.withDescription(
    "Inspect and drive StageSets of the stageset-controller (also `kubectl stageset` as a kubectl plugin).",
  ),
  Command.withSubcommands([
    getCommand,
    buildCommand,
    diffCommand,
    planCommand,
    applyCommand,
    reconcileCommand,
    suspendCommand,
    resumeCommand,
    inventoryCommand,
    schemaCommand,
  ]),
)

const cli = Command.run(stagesetctl, { name: "stagesetctl", version: CONTROLLER_VERSION })

/**
 * stagesetctl over argv, to its exit code: 0 ok, 1 what diff and plan found, 2 usage
 * (@effect/cli already printed what it refused, with the help), 3 runtime. Our failures
 * are one line on stderr.
 */
export const runStagesetctl = (argv: ReadonlyArray<string>) =>
  cli(argv).pipe(
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
