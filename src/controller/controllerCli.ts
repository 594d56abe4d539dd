import { Command, HelpDoc, ValidationError } from "@effect/cli"
import { Console, Effect } from "effect"
import { CONTROLLER_VERSION } from "../version.ts"
import { type ControllerFlags, controllerOptions } from "./Flags.ts"
import { expandBareBooleans, refusedFlags } from "./goFlags.ts"

/** The controller's command line around any body (tests pass their own). */
export const makeControllerCli = <E, R>(
  body: (flags: ControllerFlags) => Effect.Effect<void, E, R>,
) => {
  const run = Command.run(
    Command.make("stageset-controller", { flags: controllerOptions }, ({ flags }) =>
      body(flags),
    ).pipe(
      Command.withDescription(
        "Rolls out StageSets: ordered stages of manifests, recorded in StageInventory shards, pruned and torn down in order.",
      ),
    ),
    { name: "stageset-controller", version: CONTROLLER_VERSION },
  )
  // Flags of the Go implementation that we lack are named before parsing, with why,
  // rather than as an unknown argument: a deployment moved over from it finds out what to
  // drop. Like any usage error this fails with a ValidationError (exit 2).
  return (argv: ReadonlyArray<string>) => {
    const refused = refusedFlags(argv.slice(2))
    return refused.length === 0
      ? run(expandBareBooleans(argv))
      : Console.error(refused.join("\n")).pipe(
          Effect.zipRight(
            Effect.fail(ValidationError.invalidArgument(HelpDoc.p(refused.join("\n")))),
          ),
        )
  }
}
