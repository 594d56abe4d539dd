import { Command, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { controllerOptions } from "./controller/Flags.ts"
import { runProcess } from "./controller/runProcess.ts"
import { CONTROLLER_VERSION } from "./version.ts"

// The controller binary (the container's entry point): flags -> layers -> watch/queue/reconcile.
const command = Command.make("stageset-controller", { flags: controllerOptions }, ({ flags }) =>
  runProcess(flags),
).pipe(
  Command.withDescription(
    "Rolls out StageSets: ordered stages of manifests, recorded in StageInventory shards, pruned and torn down in order.",
  ),
)

const cli = Command.run(command, { name: "stageset-controller", version: CONTROLLER_VERSION })

// runMain interrupts the program on SIGTERM/SIGINT, so scopes close: the lease is released
// and the endpoints stop; exit code 0 for an interrupted run, 1 for a failure.
// A flag error was already printed by the CLI with the usage: exit 2 like other CLIs do.
// Everything else is logged by runProcess in the configured log format.
cli(process.argv).pipe(
  Effect.catchIf(ValidationError.isValidationError, () =>
    Effect.sync(() => {
      process.exitCode = 2
    }),
  ),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true }),
)
