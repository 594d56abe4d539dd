import { Effect, Layer } from "effect"
import { Kustomize } from "../src/programs/Kustomize.ts"
import { BuildFailed } from "../src/render/BuildFailed.ts"

/**
 * Kustomize where no binary can run (no kustomize found, or the in-memory test world,
 * which starts no processes): plain manifests still render, and a stage that needs a
 * kustomize build fails with BuildFailed saying why, never with a look-alike build.
 */
export const KustomizeUnavailable = (reason: string) =>
  Layer.succeed(
    Kustomize,
    Kustomize.of({
      build: (_files, dir) =>
        Effect.fail(
          new BuildFailed({
            file: dir === "" ? "./" : `./${dir}`,
            index: undefined,
            message: `kustomize build ${dir === "" ? "./" : `./${dir}`} cannot run: ${reason}`,
          }),
        ),
    }),
  )
