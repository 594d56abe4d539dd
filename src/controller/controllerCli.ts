import { Command } from "@effect/cli"
import { CONTROLLER_VERSION } from "../version.ts"
import { controllerOptions } from "./Flags.ts"
import { runProcess } from "./runProcess.ts"

const command = Command.make("stageset-controller", { flags: controllerOptions }, ({ flags }) =>
  runProcess(flags),
).pipe(
  Command.withDescription(
    "Rolls out StageSets: ordered stages of manifests, recorded in StageInventory shards, pruned and torn down in order.",
  ),
)

/** The controller's command line: parses argv (node, script, flags...) and runs the process. */
export const controllerCli = Command.run(command, {
  name: "stageset-controller",
  version: CONTROLLER_VERSION,
})
