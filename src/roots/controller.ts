/**
 * The composition root of the controller process, and the only file of that process that
 * imports `layers/`: flags -> the process's layers -> the process. `src/main.ts` (the
 * image's entry point) and `hack/start.ts` (`npm start`) run it.
 */
import { Effect } from "effect"
import { controllerLayer } from "../../layers/Controller.ts"
import { makeControllerCli } from "../controller/controllerCli.ts"
import { loggerLayer } from "../controller/loggerLayer.ts"
import { logStop, runProcess } from "../controller/runProcess.ts"

/** Parses argv (node, script, flags...) and runs the controller process. */
export const controllerMain = makeControllerCli((flags) =>
  runProcess(flags).pipe(
    Effect.provide(controllerLayer(flags)),
    logStop,
    Effect.provide(loggerLayer(flags)),
  ),
)
