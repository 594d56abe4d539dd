/**
 * A stage's files -> its objects, as Flux builds a Kustomization (the build part of
 * semantics.md section 1, step 4): plain manifests through our parser, kustomizations
 * through kustomize itself, then `stages[].patches` through kustomize, then
 * `stages[].postBuild` substitution. Every refusal is a BuildFailed naming the file.
 */
import { Effect, Either, Predicate } from "effect"
import type { KubeError } from "../kube/KubeError.ts"
import { type KubeObject, parseApiVersion } from "../kube/KubeObject.ts"
import type { SourceClient } from "../kube/SourceClient.ts"
import { BuildFailed } from "../render/BuildFailed.ts"
import { checkKustomizations } from "../render/kustomize/checkKustomizations.ts"
import { planBuild } from "../render/kustomize/planBuild.ts"
import { patchTree, withStagePatches } from "../render/kustomize/stagePatches.ts"
import type { ManifestFile } from "../render/ManifestFile.ts"
import { parseManifests, type RenderedObject } from "../render/parseManifests.ts"
import { redact } from "../render/postBuild/redact.ts"
import { substituteObjects } from "../render/postBuild/substituteObjects.ts"
import type { StageFiles } from "../render/selectManifestFiles.ts"
import type { InvalidSpec } from "./errors/InvalidSpec.ts"
import type { SourceNotReady } from "./errors/sourceErrors.ts"
import { Kustomize } from "./Kustomize.ts"
import { postBuildVariables, substitutes } from "./postBuildVariables.ts"
import type { StageView } from "./StageSetView.ts"

export interface BuiltStage {
  readonly objects: ReadonlyArray<RenderedObject>
  /** Values substituted from Secrets: messages about this stage must not show them. */
  readonly secret: ReadonlyArray<string>
}

const shown = (dir: string) => (dir === "" ? "./" : `./${dir}`)

const fromEither = <A>(either: Either.Either<A, BuildFailed>): Effect.Effect<A, BuildFailed> =>
  Either.match(either, { onLeft: Effect.fail, onRight: Effect.succeed })

const refuse = (problem: BuildFailed | undefined): Effect.Effect<void, BuildFailed> =>
  problem === undefined ? Effect.void : Effect.fail(problem)

/** kustomize's output as objects; `label` is the "file" errors name. */
const parseOutput = (label: string, output: string) =>
  fromEither(parseManifests([{ path: label, content: output }]))

/** `kustomize build` of `dir`, refused first if it reaches outside the source or the network. */
const kustomizeBuild = (files: ReadonlyArray<ManifestFile>, dir: string) =>
  Effect.gen(function* () {
    yield* refuse(checkKustomizations(files, dir))
    const output = yield* Effect.flatMap(Kustomize, (kustomize) => kustomize.build(files, dir))
    return yield* parseOutput(`${shown(dir)} (kustomize build)`, output)
  })

/** Identifies an object across a kustomize pass, which never renames one (patches cannot). */
const identity = (object: KubeObject): string =>
  [
    parseApiVersion(object.apiVersion).group,
    object.kind,
    object.metadata.namespace ?? "",
    object.metadata.name,
  ].join("|")

/** The stage's patches over plain manifests: a kustomization generated around them. */
const patchObjects = (objects: ReadonlyArray<RenderedObject>, stage: StageView) =>
  Effect.gen(function* () {
    const patches = stage.patches ?? []
    if (patches.length === 0 || objects.length === 0) return objects
    const output = yield* Effect.flatMap(Kustomize, (kustomize) =>
      kustomize.build(
        patchTree(
          objects.map((o) => o.object),
          patches,
        ),
        "",
      ),
    )
    const patched = yield* parseOutput("stages[].patches (kustomize build)", output)
    // Errors keep naming the file each object came from.
    const sources = new Map(objects.map((o) => [identity(o.object), o.source]))
    return patched.map((o) => ({ ...o, source: sources.get(identity(o.object)) ?? o.source }))
  })

const withPrefix = (stage: string, secret: ReadonlyArray<string>) => (error: BuildFailed) =>
  new BuildFailed({
    file: error.file,
    index: error.index,
    message: redact(
      error.message.startsWith(`stage ${stage}: `)
        ? error.message
        : `stage ${stage}: ${error.message}`,
      secret,
    ),
  })

export const buildStage = (
  namespace: string,
  stage: StageView,
  position: number,
  source: StageFiles & { readonly sensitive?: boolean },
): Effect.Effect<
  BuiltStage,
  BuildFailed | SourceNotReady | InvalidSpec | KubeError,
  SourceClient | Kustomize
> =>
  Effect.gen(function* () {
    const sensitive = source.sensitive === true
    // kustomize's messages may quote the files: for a Secret's, only where it failed.
    const withheld = <A, E, R>(build: Effect.Effect<A, E | BuildFailed, R>) =>
      sensitive
        ? Effect.mapError(build, (error) =>
            error instanceof BuildFailed
              ? new BuildFailed({
                  file: error.file,
                  index: undefined,
                  message:
                    "kustomize build failed; its messages are withheld because the source is a Secret",
                })
              : error,
          )
        : build
    const plan = planBuild(source)
    const patches = stage.patches ?? []
    let objects: ReadonlyArray<RenderedObject>
    if (plan._tag === "Kustomization") {
      // As Flux's generator does: the stage's patches join the kustomization's own.
      const files =
        patches.length === 0
          ? source.files
          : yield* Effect.forEach(source.files, (file) =>
              file.path === plan.file
                ? fromEither(withStagePatches(file, patches))
                : Effect.succeed(file),
            )
      objects = yield* withheld(kustomizeBuild(files, plan.dir))
    } else {
      const built: Array<RenderedObject> = [
        ...(yield* fromEither(parseManifests(plan.manifests, { sensitive }))),
      ]
      for (const dir of plan.kustomizations)
        built.push(...(yield* withheld(kustomizeBuild(source.files, dir))))
      objects = yield* withheld(patchObjects(built, stage))
    }
    const postBuild = stage.postBuild
    if (!substitutes(postBuild)) return { objects, secret: [] }
    const variables = yield* postBuildVariables(
      namespace,
      { name: stage.name, postBuild },
      position,
    )
    const substituted = yield* fromEither(substituteObjects(objects, variables.values)).pipe(
      Effect.mapError(withPrefix(stage.name, variables.secret)),
    )
    return { objects: substituted, secret: variables.secret }
  }).pipe(
    Effect.mapError((error) =>
      Predicate.isTagged(error, "BuildFailed") ? withPrefix(stage.name, [])(error) : error,
    ),
    Effect.withSpan("buildStage", { attributes: { stage: stage.name } }),
  )
