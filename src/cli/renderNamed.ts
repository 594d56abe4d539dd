import type { FileSystem, Path } from "@effect/platform"
import { Effect, Either } from "effect"
import type { KubeObject } from "../kube/KubeObject.ts"
import { Unsupported } from "../programs/errors/Unsupported.ts"
import type { RenderedStage } from "../programs/RenderedStage.ts"
import { renderStageSet } from "../programs/renderStageSet.ts"
import type { StageSetView } from "../programs/StageSetView.ts"
import { viewOf } from "../programs/stageSet/observeStageSet.ts"
import type { ManifestFile } from "../render/ManifestFile.ts"
import { type CliFailure, failure, usageFailure } from "./CliFailure.ts"
import type { Connection } from "./Cluster.ts"
import { readSourceTree } from "./readSourceTree.ts"
import { parseSourceDirs, sourceDirOf } from "./sourceDirs.ts"
import { getStageSet } from "./stageSets.ts"

export interface RenderRequest {
  readonly name: string
  /** Default: the connection's namespace (`-n`, else the context's). */
  readonly namespace?: string
  /** `--stage`: only these stages are rendered (all when empty); refused when unknown. */
  readonly stages: ReadonlyArray<string>
  /** Render every stage whatever `stages` says (`diff` and `plan` need them all for prunes). */
  readonly renderAll?: boolean
  /** `--source-dir` values. */
  readonly sourceDirs: ReadonlyArray<string>
}

export interface NamedRender {
  readonly object: KubeObject
  /** The StageSet as the programs read it, every stage of its spec. */
  readonly view: StageSetView
  /** The rendered stages, in spec order. */
  readonly rendered: ReadonlyArray<RenderedStage>
  /** Stages rendered from a local directory. */
  readonly local: ReadonlySet<string>
}

/** Refuses `--stage` names the StageSet does not have (a usage error, naming them). */
export const checkStages = (
  name: string,
  known: ReadonlyArray<string>,
  asked: ReadonlyArray<string>,
): Effect.Effect<void, CliFailure> => {
  const unknown = asked.filter((stage) => !known.includes(stage))
  return unknown.length === 0
    ? Effect.void
    : Effect.fail(
        usageFailure(
          `stageset "${name}" has no stage ${unknown.map((s) => `"${s}"`).join(", ")} (stages: ${known.join(", ")})`,
        ),
      )
}

/**
 * A StageSet of the cluster rendered as the controller renders it (the same resolve,
 * fetch, build and render: `renderStageSet`), the stages it asks for only, any of them
 * from a local directory instead of its source.
 */
export const renderNamed = (
  connection: Connection,
  request: RenderRequest,
): Effect.Effect<NamedRender, CliFailure, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const object = yield* getStageSet(
      connection.kube,
      request.namespace ?? connection.namespace,
      request.name,
    )
    const view = yield* viewOf(object).pipe(
      Effect.mapError((error) =>
        failure(`stageset "${request.name}" is invalid: ${error.message}`),
      ),
    )
    // The controller applies nothing of such a StageSet: a render, diff, plan or apply of
    // it would promise what never happens.
    if (view.unsupported.length > 0)
      return yield* Effect.fail(
        failure(
          `stageset "${request.name}" is not reconciled: ${new Unsupported({ fields: view.unsupported }).message}`,
        ),
      )
    // Its objects are in another cluster, which stagesetctl does not reach: a render against
    // this cluster's discovery, or a diff against its objects, would be wrong.
    if (view.kubeConfig !== undefined)
      return yield* Effect.fail(
        failure(
          `stageset "${request.name}" applies to a remote cluster (spec.kubeConfig), which stagesetctl does not reach`,
        ),
      )
    const names = view.stages.map((stage) => stage.name)
    yield* checkStages(request.name, names, request.stages)
    const dirs = yield* Either.match(parseSourceDirs(request.sourceDirs, names), {
      onLeft: (message) => Effect.fail(usageFailure(message)),
      onRight: Effect.succeed,
    })
    const selected =
      request.stages.length === 0 || request.renderAll === true
        ? view.stages
        : view.stages.filter((stage) => request.stages.includes(stage.name))
    // A bare path serves several stages: read each directory once.
    const trees = new Map<string, ReadonlyArray<ManifestFile>>()
    const localSources = new Map<string, ReadonlyArray<ManifestFile>>()
    for (const stage of selected) {
      const dir = sourceDirOf(dirs, stage.name)
      if (dir === undefined) continue
      const tree = trees.get(dir) ?? (yield* readSourceTree(dir))
      trees.set(dir, tree)
      localSources.set(stage.name, tree)
    }
    const rendered = yield* renderStageSet({ ...view, stages: selected }, { localSources }).pipe(
      Effect.mapError((error) => failure(`render failed: ${error.message}`)),
      Effect.provide(connection.services),
    )
    return { object, view, rendered, local: new Set(localSources.keys()) }
  })
