import { Effect, Either } from "effect"
import { entryOf, formatEntryId, refOf, validateRef } from "../inventory/EntryId.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { parseApiVersion } from "../kube/KubeObject.ts"
import { compileReadyExprsOnDemand } from "../readiness/celChecks.ts"
import { BuildFailed } from "../render/BuildFailed.ts"
import type { ManifestFile } from "../render/ManifestFile.ts"
import { actingAs } from "./actingIdentity.ts"
import { buildStage } from "./buildStage.ts"
import { describeRef } from "./describe.ts"
import { InvalidSpec } from "./errors/InvalidSpec.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import type { RenderedMember, RenderedStage } from "./RenderedStage.ts"
import { resolveSource, sourceFromTree } from "./resolveSource.ts"
import type { StageSetView } from "./StageSetView.ts"
import { TargetCluster } from "./TargetCluster.ts"

const where = (stage: string, source: { file: string; index: number }) =>
  `stage ${stage}: ${source.file} document ${source.index}`

/** Scope of the kinds a rendered CRD defines, keyed `group/Kind`. */
const crdScopes = (object: KubeObject): ReadonlyArray<[string, boolean]> => {
  if (
    object.kind !== "CustomResourceDefinition" ||
    !object.apiVersion.startsWith("apiextensions.k8s.io/")
  )
    return []
  const spec = object.spec as
    | { group?: unknown; names?: { kind?: unknown }; scope?: unknown }
    | undefined
  if (typeof spec?.group !== "string" || typeof spec.names?.kind !== "string") return []
  return [[`${spec.group}/${spec.names.kind}`, spec.scope !== "Cluster"]]
}

/** Drops fields that belong to the server; applying them would fail or fight other writers. */
const sanitize = (object: KubeObject, namespace: string | undefined): KubeObject => {
  const {
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _ct,
    managedFields: _mf,
    generation: _g,
    ...metadata
  } = object.metadata
  const { status: _status, ...rest } = object
  return {
    ...rest,
    metadata: namespace === undefined ? withoutNamespace(metadata) : { ...metadata, namespace },
  }
}

const withoutNamespace = (metadata: KubeObject["metadata"]): KubeObject["metadata"] => {
  const { namespace: _ns, ...rest } = metadata
  return rest
}

export interface RenderOptions {
  /**
   * Stages rendered from a local tree instead of their `sourceRef` (by stage name): the
   * tree stands for the unpacked artifact, so `path` applies inside it. The controller
   * never passes any; `stagesetctl --source-dir` does.
   */
  readonly localSources?: ReadonlyMap<string, ReadonlyArray<ManifestFile>>
}

/**
 * Resolves every stage's source (pinning its revision for this run) and renders its
 * objects before anything is written (semantics.md section 1, steps 3-4): namespaced
 * objects without a namespace get the StageSet's; scope comes from discovery, or from a
 * CRD earlier in the render; an unknown kind, a malformed name or an id rendered twice
 * (across all stages) fails the run.
 */
export const renderStageSet = Effect.fn("renderStageSet")(function* (
  stageSet: StageSetView,
  options: RenderOptions = {},
) {
  // Scope comes from the discovery of the cluster the objects go to.
  const target = yield* TargetCluster
  const config = yield* ReconcileConfig
  const definedByCrds = new Map<string, boolean>()
  // Scopes discovery answered, by apiVersion and kind: one lookup per kind, not per object
  // (each lookup is an Effect with its retry policy; 5 000 of them per no-op reconcile, B2).
  // Only answers are kept: a kind not served is asked again, after a CRD may define it.
  const served = new Map<string, boolean>()
  const seen = new Map<string, string>()
  const stages: Array<RenderedStage> = []
  for (const [position, stage] of stageSet.stages.entries()) {
    const readyExprs = yield* compileReadyExprsOnDemand(
      stage.readyChecks?.exprs ?? [],
      `spec.stages[${position}].readyChecks.exprs`,
    )
    if (Either.isLeft(readyExprs))
      return yield* new InvalidSpec({ message: `stage ${stage.name}: ${readyExprs.left}` })
    const sourceNamespace = stage.sourceRef.namespace
    if (
      config.noCrossNamespaceRefs &&
      sourceNamespace !== undefined &&
      sourceNamespace !== stageSet.namespace
    )
      return yield* new InvalidSpec({
        message: `spec.stages[${position}].sourceRef.namespace: ${sourceNamespace} is not the StageSet's namespace ${stageSet.namespace}, and --no-cross-namespace-refs is set`,
      })
    const local = options.localSources?.get(stage.name)
    // Read and built as the stage's identity (the source, postBuild's substituteFrom): a
    // StageSet renders only what its ServiceAccount may read.
    const { source, built } = yield* Effect.gen(function* () {
      const source =
        local === undefined
          ? yield* resolveSource(stageSet.namespace, stage.sourceRef, stage.path)
          : yield* sourceFromTree(local, stage.path)
      return { source, built: yield* buildStage(stageSet.namespace, stage, position, source) }
    }).pipe(actingAs(stageSet, stage))
    const members: Array<RenderedMember> = []
    for (const { object, source: at } of built.objects) {
      const { group } = parseApiVersion(object.apiVersion)
      const servedKey = `${object.apiVersion}|${object.kind}`
      const namespaced =
        served.get(servedKey) ??
        (yield* target.client.discover(object.apiVersion, object.kind).pipe(
          Effect.map((resource) => {
            served.set(servedKey, resource.namespaced)
            return resource.namespaced
          }),
          Effect.catchTag("KubeNotFound", () => {
            const scope = definedByCrds.get(`${group}/${object.kind}`)
            return scope === undefined
              ? Effect.fail(
                  new InvalidSpec({
                    message: `${where(stage.name, at)}: unknown kind ${object.kind} in ${object.apiVersion} (no served API and no CustomResourceDefinition earlier in the StageSet defines it)`,
                  }),
                )
              : Effect.succeed(scope)
          }),
        ))
      const ref = refOf(object, namespaced, stageSet.namespace)
      const invalid = validateRef(ref)
      if (invalid !== undefined)
        return yield* new InvalidSpec({ message: `${where(stage.name, at)}: ${invalid}` })
      const id = formatEntryId(ref)
      const first = seen.get(id)
      if (first !== undefined)
        return yield* new BuildFailed({
          file: at.file,
          index: at.index,
          message: `${where(stage.name, at)}: ${describeRef(ref)} is also rendered by ${first}; an object belongs to exactly one stage`,
        })
      seen.set(id, where(stage.name, at))
      for (const [key, scope] of crdScopes(object)) definedByCrds.set(key, scope)
      members.push({
        ref,
        entry: entryOf(ref, object.apiVersion),
        object: sanitize(object, namespaced ? ref.namespace : undefined),
        namespaced,
        source: { file: at.file, index: at.index },
      })
    }
    stages.push({
      stage,
      position,
      revision: source.revision,
      revisionOf: source.from ?? `${sourceNamespace ?? stageSet.namespace}/${stage.sourceRef.name}`,
      members,
      ...(readyExprs.right.length === 0 ? {} : { readyExprs: readyExprs.right }),
      ...(built.secret.length === 0 ? {} : { secret: built.secret }),
      ...(stageSet.version?.fromArtifact?.stage === stage.name && source.sensitive !== true
        ? { versionFiles: source.root }
        : {}),
    })
  }
  return stages
})
