import { Duration, Effect, Layer, type Scope } from "effect"
import { OwnWritesMemory } from "../../../layers/OwnWrites.memory.ts"
import { runController } from "../../../src/controller/Controller.ts"
import {
  ControllerConfig,
  type ControllerConfigApi,
} from "../../../src/controller/ControllerConfig.ts"
import { EventRecorder } from "../../../src/controller/EventRecorder.ts"
import { ownWritesKubeClientLayer } from "../../../src/controller/OwnWrites.ts"
import type { KubeClient } from "../../../src/kube/KubeClient.ts"
import { type ScenarioOptions, scenarioLayer } from "./Env.ts"

/**
 * The controller loop (informers, work queue, workers) over `cluster`, in this process, for
 * as long as the scope is open: nobody calls reconcile, so what the test sees is what the
 * watches cause. Every cadence defaults to an hour, so a reconcile within a test is one an
 * event caused, not a timer. Events are dropped (reports are asserted elsewhere).
 */
export const startControllerLoop = (
  cluster: Layer.Layer<KubeClient>,
  options: ScenarioOptions,
  config: Partial<ControllerConfigApi> & Pick<ControllerConfigApi, "watchNamespaces">,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const own = yield* Layer.memoize(OwnWritesMemory)
    const tracked = ownWritesKubeClientLayer.pipe(Layer.provide(Layer.merge(cluster, own)))
    const layer = Layer.mergeAll(
      scenarioLayer(tracked, options),
      own,
      Layer.succeed(ControllerConfig, {
        concurrent: 2,
        defaultInterval: Duration.hours(1),
        failureBackoffBase: Duration.hours(1),
        failureBackoffMax: Duration.hours(1),
        ...config,
      }),
      Layer.succeed(EventRecorder, { record: () => Effect.void }),
    )
    yield* Effect.forkScoped(Effect.provide(runController, layer))
  })
