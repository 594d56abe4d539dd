/**
 * The composition root of stagesetctl, and the only file of the CLI that imports
 * `layers/`: the command tree over the Live cluster connection. `bin/stagesetctl.js` runs
 * it.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { ClusterLive } from "../../layers/Cluster.live.ts"
import { runStagesetctl } from "../cli/stagesetctl.ts"

runStagesetctl(process.argv).pipe(
  Effect.flatMap((code) =>
    Effect.sync(() => {
      process.exitCode = code
    }),
  ),
  Effect.provide(Layer.merge(ClusterLive, NodeContext.layer)),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true }),
)
