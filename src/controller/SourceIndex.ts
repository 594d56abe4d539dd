import { HashMap, HashSet, Option, Predicate } from "effect"
import { type KubeObject, parseApiVersion } from "../kube/KubeObject.ts"
import { EXTERNAL_ARTIFACT_KIND } from "../programs/findProducedArtifact.ts"
import { FLUX_SOURCE_API_VERSION } from "../programs/resolveSource.ts"

/**
 * Which StageSets read which source objects, so a change to a ConfigMap, Secret or Flux
 * source enqueues exactly the StageSets that reference it (and nothing for the many
 * objects nobody references). Kept from the StageSet informer's events; pure and immutable.
 *
 * Sources are keyed by API group (not version), kind, namespace and name: a StageSet that
 * names `source.toolkit.fluxcd.io/v1beta2` reads the same object the informer watches at v1.
 */
export interface SourceIndex {
  /** Source key -> keys (`namespace/name`) of the StageSets referencing it. */
  readonly bySource: HashMap.HashMap<string, HashSet.HashSet<string>>
  /** StageSet key -> the source keys it references (to undo on change or delete). */
  readonly byStageSet: HashMap.HashMap<string, ReadonlyArray<string>>
}

export const emptySourceIndex: SourceIndex = {
  bySource: HashMap.empty(),
  byStageSet: HashMap.empty(),
}

/** The index key of a source object. */
export const sourceKey = (
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
): string => `${parseApiVersion(apiVersion).group}/${kind}/${namespace}/${name}`

/** The index key of a watched object (a ConfigMap, Secret or Flux source). */
export const sourceKeyOf = (object: KubeObject): string =>
  sourceKey(object.apiVersion, object.kind, object.metadata.namespace ?? "", object.metadata.name)

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

/**
 * The keys whose readers a change of `object` concerns: the object itself and, for an
 * ExternalArtifact, the producer its `spec.sourceRef` names (a stage that names the
 * producer reads this artifact).
 */
export const sourceKeysOfEvent = (object: KubeObject): ReadonlyArray<string> => {
  const own = sourceKeyOf(object)
  if (object.kind !== EXTERNAL_ARTIFACT_KIND) return [own]
  const spec = Predicate.isRecord(object.spec) ? object.spec : {}
  const ref = Predicate.isRecord(spec.sourceRef) ? spec.sourceRef : undefined
  const [apiVersion, kind, name] = [text(ref?.apiVersion), text(ref?.kind), text(ref?.name)]
  if (apiVersion === undefined || kind === undefined || name === undefined) return [own]
  const namespace = text(ref?.namespace) ?? object.metadata.namespace ?? ""
  return [own, sourceKey(apiVersion, kind, namespace, name)]
}

/**
 * The sources a StageSet's stages reference, read from the raw object so that a StageSet
 * that does not decode (its reconcile reports why) is still indexed by what it names.
 * A source's namespace defaults to the StageSet's, its kind to ExternalArtifact, its
 * apiVersion as `resolveSource` does; `spec.kubeConfig.secretRef` is a Secret of the
 * StageSet's namespace. A producer is keyed as itself: the ExternalArtifact
 * that names it brings its readers along (`sourceKeysOfEvent`).
 */
export const sourceKeysOf = (stageSet: KubeObject): ReadonlyArray<string> => {
  const spec = Predicate.isRecord(stageSet.spec) ? stageSet.spec : {}
  const stages = Array.isArray(spec.stages) ? spec.stages : []
  const keys = new Set<string>()
  for (const stage of stages) {
    const ref =
      Predicate.isRecord(stage) && Predicate.isRecord(stage.sourceRef) ? stage.sourceRef : undefined
    if (ref === undefined) continue
    const kind = text(ref.kind) ?? EXTERNAL_ARTIFACT_KIND
    const name = text(ref.name)
    if (name === undefined) continue
    const apiVersion =
      text(ref.apiVersion) ??
      (kind === "ConfigMap" || kind === "Secret" ? "v1" : FLUX_SOURCE_API_VERSION)
    const namespace = text(ref?.namespace) ?? stageSet.metadata.namespace ?? ""
    keys.add(sourceKey(apiVersion, kind, namespace, name))
  }
  // The kubeconfig Secret of a remote cluster: a rotated credential is picked up at once.
  const kubeConfig = Predicate.isRecord(spec.kubeConfig) ? spec.kubeConfig : {}
  const secret = Predicate.isRecord(kubeConfig.secretRef)
    ? text(kubeConfig.secretRef.name)
    : undefined
  if (secret !== undefined)
    keys.add(sourceKey("v1", "Secret", stageSet.metadata.namespace ?? "", secret))
  return [...keys]
}

/** Forgets what `stageSet` referenced. */
export const removeStageSet = (index: SourceIndex, stageSet: string): SourceIndex => {
  const before = HashMap.get(index.byStageSet, stageSet).pipe(Option.getOrElse(() => []))
  let bySource = index.bySource
  for (const source of before) {
    const rest = HashMap.get(bySource, source).pipe(
      Option.map(HashSet.remove(stageSet)),
      Option.getOrElse(() => HashSet.empty<string>()),
    )
    bySource =
      HashSet.size(rest) === 0
        ? HashMap.remove(bySource, source)
        : HashMap.set(bySource, source, rest)
  }
  return { bySource, byStageSet: HashMap.remove(index.byStageSet, stageSet) }
}

/** Records that `stageSet` now references `sources` (replacing what it referenced before). */
export const setStageSet = (
  index: SourceIndex,
  stageSet: string,
  sources: ReadonlyArray<string>,
): SourceIndex => {
  // Most StageSet events are status writes that reference the same sources as before.
  const before = Option.getOrUndefined(HashMap.get(index.byStageSet, stageSet))
  if (before?.length === sources.length && before.every((source, i) => source === sources[i]))
    return index
  const cleared = removeStageSet(index, stageSet)
  let bySource = cleared.bySource
  for (const source of sources)
    bySource = HashMap.set(
      bySource,
      source,
      HashMap.get(bySource, source).pipe(
        Option.getOrElse(() => HashSet.empty<string>()),
        HashSet.add(stageSet),
      ),
    )
  return { bySource, byStageSet: HashMap.set(cleared.byStageSet, stageSet, sources) }
}

/** The StageSets referencing a source. */
export const stageSetsFor = (index: SourceIndex, source: string): ReadonlyArray<string> =>
  HashMap.get(index.bySource, source).pipe(
    Option.map((set) => [...set]),
    Option.getOrElse(() => []),
  )
