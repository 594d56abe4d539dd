import { Effect } from "effect"
import { startControlPlane } from "../test/controlplane/ControlPlane.ts"

Effect.runPromise(
  Effect.scoped(
    Effect.gen(function* () {
      const plane = yield* startControlPlane({ allowExternal: false })
      console.log("KUBECONFIG", plane.kubeconfigPath)
      yield* Effect.never
    }),
  ),
)
