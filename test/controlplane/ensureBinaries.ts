import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { ControlPlaneError } from "./ControlPlaneError.ts"

const buildScript = fileURLToPath(new URL("../../hack/build-controlplane.sh", import.meta.url))

/** Builds (first run, cached after) and returns the bin dir; the build's progress goes to stderr. */
export const ensureBinaries = (): Effect.Effect<string, ControlPlaneError> =>
  Effect.async<string, ControlPlaneError>((resume) => {
    const child = spawn("bash", [buildScript], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    child.once("error", (cause) =>
      resume(
        Effect.fail(new ControlPlaneError({ message: "cannot run build-controlplane.sh", cause })),
      ),
    )
    child.once("close", (code) => {
      const dir = out.trim().split("\n").at(-1) ?? ""
      resume(
        code === 0 && dir !== ""
          ? Effect.succeed(dir)
          : Effect.fail(
              new ControlPlaneError({ message: `build-controlplane.sh exited with ${code}` }),
            ),
      )
    })
    return Effect.sync(() => child.kill("SIGTERM"))
  })
