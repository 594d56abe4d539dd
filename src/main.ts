import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { controllerMain } from "./roots/controller.ts"

// The controller binary (the container's entry point): flags -> layers -> watch/queue/reconcile.
// runMain interrupts the program on SIGTERM/SIGINT, so scopes close: the lease is released
// and the endpoints stop; exit code 0 for an interrupted run, 1 for a failure.
// A flag error was already printed by the CLI with the usage: exit 2 like other CLIs do.
// Everything else is logged by runProcess in the configured log format.
controllerMain(process.argv).pipe(
  Effect.catchIf(ValidationError.isValidationError, () =>
    Effect.sync(() => {
      process.exitCode = 2
    }),
  ),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true }),
)
