import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { foundSomething } from "../CliFailure.ts"
import { connect } from "../Cluster.ts"
import {
  clusterOptions,
  namespaceOption,
  showSecretsOption,
  sourceDirOption,
  stageSetArg,
  stagesOption,
} from "../flags.ts"
import { formatChange } from "../formatChanges.ts"
import { previewStageSet } from "../previewStageSet.ts"
import { renderNamed } from "../renderNamed.ts"

export const diffCommand = Command.make(
  "diff",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    stages: stagesOption,
    sourceDir: sourceDirOption,
    showSecrets: showSecretsOption,
    stageSet: stageSetArg,
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* connect(flags, flags.namespace)
        // Every stage is rendered even with --stage: the prune preview must know what the
        // other stages take over.
        const render = yield* renderNamed(cluster, {
          name: flags.stageSet,
          stages: flags.stages,
          sourceDirs: flags.sourceDir,
          renderAll: true,
        })
        const previews = yield* previewStageSet(cluster, render, {
          stages: flags.stages,
          showSecrets: flags.showSecrets,
        })
        const changes = previews.flatMap((preview) => preview.changes)
        if (changes.length === 0)
          return yield* Console.log(`stageset "${flags.stageSet}": no changes`)
        yield* Console.log(changes.map(formatChange).join("\n"))
        return yield* foundSomething
      }),
    ),
).pipe(
  Command.withDescription(
    "Show what a reconcile would change: a server-side dry run of the render under the controller's field manager, plus what its prune would delete. Exit 0: no changes, 1: changes, 2: usage, 3: error.",
  ),
)
