import { Effect, Layer } from "effect"
import { Kustomize } from "../src/programs/Kustomize.ts"
import { BuildFailed } from "../src/render/BuildFailed.ts"
import { buildInputKey } from "../src/render/kustomize/buildInputKey.ts"
import type { ManifestFile } from "../src/render/ManifestFile.ts"

/** One `kustomize build` as the real binary ran it: the tree, the directory and what it printed. */
export interface RecordedBuild {
  readonly dir: string
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }>
  readonly output: string
}

/** A build as it is kept: the exact text of every file (generators may read any of them). */
export const recordBuild = (
  files: ReadonlyArray<ManifestFile>,
  dir: string,
  output: string,
): RecordedBuild => ({
  dir,
  files: files.map((f) => ({ path: f.path, content: f.content })),
  output,
})

const keyOf = (build: RecordedBuild) => buildInputKey(build.files, build.dir)

/**
 * Kustomize for a world that starts no processes (the in-memory tests): the builds the real
 * binary did, replayed by their exact input. It answers only a tree it has seen, byte for
 * byte, with what the binary printed for it; any other tree fails with BuildFailed saying
 * how to record it. The recordings are checked against the binary in the cluster project
 * (test/cluster/render/kustomize/recordedBuilds.test.ts), so a replay never says what the
 * binary would not.
 */
export const KustomizeRecorded = (builds: ReadonlyArray<RecordedBuild>, howToRecord: string) => {
  const outputs = new Map(builds.map((b) => [keyOf(b), b.output]))
  return Layer.succeed(
    Kustomize,
    Kustomize.of({
      build: (files, dir) => {
        const output = outputs.get(buildInputKey(files, dir))
        if (output !== undefined) return Effect.succeed(output)
        const shown = dir === "" ? "./" : `./${dir}`
        return Effect.fail(
          new BuildFailed({
            file: shown,
            index: undefined,
            message: `kustomize build ${shown}: no recorded build of this tree (${howToRecord})`,
          }),
        )
      },
    }),
  )
}
