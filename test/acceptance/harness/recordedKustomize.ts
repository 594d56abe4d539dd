import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import {
  KustomizeRecorded,
  type RecordedBuild,
  recordBuild,
} from "../../../layers/Kustomize.recorded.ts"
import { Kustomize } from "../../../src/programs/Kustomize.ts"
import { buildInputKey } from "../../../src/render/kustomize/buildInputKey.ts"

/** The builds the in-memory scenarios replay (written by the live ones, see below). */
export const RECORDED_BUILDS = fileURLToPath(
  new URL("../../fixtures/kustomize/recorded/builds.json", import.meta.url),
)

export const HOW_TO_RECORD =
  "record it: STAGESET_RECORD_KUSTOMIZE=1 npx vitest run --project cluster test/acceptance/all.live.test.ts -t <the scenario>"

export const recordedBuilds = (): ReadonlyArray<RecordedBuild> =>
  JSON.parse(readFileSync(RECORDED_BUILDS, "utf8")) as ReadonlyArray<RecordedBuild>

/** The in-memory world's kustomize: the recorded builds of the real binary. */
export const replayedKustomize = () => KustomizeRecorded(recordedBuilds(), HOW_TO_RECORD)

/**
 * `kustomize` passed through, each build it completes added to the recorded builds (once
 * per tree), so the in-memory world can replay what the live one built.
 */
export const recordingKustomize = (real: Layer.Layer<Kustomize>): Layer.Layer<Kustomize> =>
  Layer.effect(
    Kustomize,
    Effect.map(Kustomize, (inner) =>
      Kustomize.of({
        build: (files, dir) =>
          Effect.tap(inner.build(files, dir), (output) =>
            Effect.sync(() => {
              const builds = recordedBuilds()
              const key = buildInputKey(files, dir)
              if (builds.some((b) => buildInputKey(b.files, b.dir) === key)) return
              const added = [...builds, recordBuild(files, dir, output)]
              writeFileSync(RECORDED_BUILDS, `${JSON.stringify(added, null, 2)}\n`)
            }),
          ),
      }),
    ),
  ).pipe(Layer.provide(real))
