import { Command } from "@effect/cli"
import type { Effect } from "effect"
import { CONTROLLER_VERSION } from "../version.ts"
import { type ControllerFlags, controllerOptions } from "./Flags.ts"

/** The controller's command line around any body (tests pass their own). */
export const makeControllerCli = <E, R>(
  body: (flags: ControllerFlags) => Effect.Effect<void, E, R>,
) =>
  Command.run(
    Command.make("stageset-controller", { flags: controllerOptions }, ({ flags }) =>
      body(flags),
    ).pipe(
      Command.withDescription(
        "Rolls out StageSets: ordered stages of manifests, recorded in StageInventory shards, pruned and torn down in order.",
      ),
    ),
    { name: "stageset-controller", version: CONTROLLER_VERSION },
  )
