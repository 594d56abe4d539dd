import { Effect, Layer } from "effect"
import { Cluster } from "../src/cli/Cluster.ts"

/**
 * stagesetctl's clusters: the Live client over the kubeconfig the flags name. The client
 * (@kubernetes/client-node and its dependencies) is imported on the first connection, so
 * a command that connects to nothing (`--version`, `--help`, `schema`) never evaluates it
 * (B10: start-up).
 */
export const ClusterLive = Layer.succeed(Cluster, {
  connect: (flags, namespace) =>
    Effect.flatMap(
      Effect.promise(() => import("./live/connectCluster.ts")),
      (module) => module.connect(flags, namespace),
    ),
})
