/**
 * A stage's `sourceRef` -> the manifest files to render and the revision they
 * pin for this run (semantics.md section 1, step 3). ConfigMaps and Secrets are
 * read through the acting identity's client; Flux sources through their `status.artifact`,
 * downloaded and unpacked by the ArtifactFetcher; any other kind is a producer, read
 * through the ExternalArtifact that names it (findProducedArtifact).
 */
import { Effect, Either, Predicate } from "effect"
import { describeKey } from "../kube/describeKey.ts"
import type { KubeError } from "../kube/KubeError.ts"
import { type KubeObject, type ObjectKey, parseApiVersion } from "../kube/KubeObject.ts"
import { SourceClient } from "../kube/SourceClient.ts"
import type { BuildFailed } from "../render/BuildFailed.ts"
import type { ManifestFile } from "../render/ManifestFile.ts"
import { contentRevision } from "../render/revision.ts"
import {
  type StageFiles,
  selectArtifactFiles,
  selectConfigMapFiles,
  selectSecretFiles,
} from "../render/selectManifestFiles.ts"
import { ArtifactFetcher, type ArtifactLimits, defaultArtifactLimits } from "./ArtifactFetcher.ts"
import type { InvalidSpec } from "./errors/InvalidSpec.ts"
import { ArtifactFailed, SourceNotReady } from "./errors/sourceErrors.ts"
import { EXTERNAL_ARTIFACT_KIND, findProducedArtifact } from "./findProducedArtifact.ts"

/** The API version Flux source kinds (and producers) are read at when `sourceRef.apiVersion` is unset. */
export const FLUX_SOURCE_API_VERSION = "source.toolkit.fluxcd.io/v1"
const FLUX_SOURCE_GROUP = "source.toolkit.fluxcd.io"

export const fluxSourceKinds: ReadonlySet<string> = new Set([
  "ExternalArtifact",
  "GitRepository",
  "OCIRepository",
  "Bucket",
])

export interface SourceRef {
  /** Decoding defaults it to ExternalArtifact. */
  readonly kind: string
  readonly name: string
  /** Default: the StageSet's namespace. */
  readonly namespace?: string | undefined
  /** Default: `v1` for ConfigMap/Secret, `source.toolkit.fluxcd.io/v1` for any other kind. */
  readonly apiVersion?: string | undefined
}

/** How a `sourceRef` is read: data of a ConfigMap/Secret, a Flux source's artifact, or a producer's. */
export type SourceRoute = "data" | "flux" | "producer"

/**
 * ConfigMap and Secret are read directly; ExternalArtifact, and the other Flux source kinds
 * in Flux's API group, carry their own `status.artifact`; any other kind (including a
 * GitRepository of another group) is a producer, as in the Go implementation.
 */
export const routeOf = (ref: Pick<SourceRef, "kind" | "apiVersion">): SourceRoute => {
  if (ref.kind === "ConfigMap" || ref.kind === "Secret") return "data"
  if (ref.kind === EXTERNAL_ARTIFACT_KIND) return "flux"
  const group = parseApiVersion(ref.apiVersion ?? FLUX_SOURCE_API_VERSION).group
  return fluxSourceKinds.has(ref.kind) && group === FLUX_SOURCE_GROUP ? "flux" : "producer"
}

export interface ResolvedSource extends StageFiles {
  /** `sha256:<hex>` of the files for ConfigMap/Secret; the artifact's revision for Flux kinds. */
  readonly revision: string
  /** A Secret's content: no message may quote it (semantics.md section 9). */
  readonly sensitive?: boolean
  /**
   * `namespace/name` of the object the revision was read from (the ExternalArtifact for a
   * producer): the key of `status.lastAttemptedRevisions`, as the Go implementation keys
   * it. Absent for a local directory standing in for the source.
   */
  readonly from?: string
  /**
   * Every file of the source from its root, manifests or not (a ConfigMap's data keys, an
   * artifact's files): where `spec.version.fromArtifact` finds its file. Empty for a Secret,
   * whose content must never reach a status.
   */
  readonly root: ReadonlyArray<ManifestFile>
}

type ResolveError = SourceNotReady | ArtifactFailed | BuildFailed | InvalidSpec | KubeError

const stringField = (value: Record<string, unknown>, field: string): string | undefined => {
  const found = value[field]
  return typeof found === "string" && found !== "" ? found : undefined
}

/** `data` of a ConfigMap/Secret as the API server returns it: string values only. */
const dataOf = (object: KubeObject): Readonly<Record<string, string>> => {
  const data = object.data
  if (!Predicate.isRecord(data)) return {}
  return Object.fromEntries(
    Object.entries(data).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  )
}

const readSource = (
  key: ObjectKey,
): Effect.Effect<KubeObject, SourceNotReady | KubeError, SourceClient> =>
  Effect.flatMap(SourceClient, (kube) => kube.get(key)).pipe(
    Effect.catchTag("KubeNotFound", () =>
      Effect.fail(
        new SourceNotReady({
          kind: key.kind,
          namespace: key.namespace ?? "",
          name: key.name,
          message: `${describeKey(key)} not found`,
        }),
      ),
    ),
  )

const fromEither = <A>(either: Either.Either<A, BuildFailed>): Effect.Effect<A, BuildFailed> =>
  Either.match(either, { onLeft: Effect.fail, onRight: Effect.succeed })

const resolveData = (key: ObjectKey) =>
  Effect.gen(function* () {
    const object = yield* readSource(key)
    const data = dataOf(object)
    const selected = yield* fromEither(
      key.kind === "Secret" ? selectSecretFiles(data) : selectConfigMapFiles(data),
    )
    return {
      ...selected,
      revision: contentRevision(selected.files),
      from: `${key.namespace}/${key.name}`,
      root:
        key.kind === "Secret"
          ? []
          : Object.entries(data).map(([path, content]) => ({ path, content })),
      ...(key.kind === "Secret" ? { sensitive: true } : {}),
    } satisfies ResolvedSource
  })

/** Why a Flux source's artifact cannot be used, or its coordinates. */
const artifactOf = (
  object: KubeObject,
):
  | {
      readonly url: string
      readonly digest: string | undefined
      readonly revision: string | undefined
    }
  | { readonly problem: string } => {
  const status = Predicate.isRecord(object.status) ? object.status : {}
  const conditions = Array.isArray(status.conditions) ? status.conditions : []
  const ready = conditions.find(
    (c): c is Record<string, unknown> => Predicate.isRecord(c) && c.type === "Ready",
  )
  if (ready !== undefined && ready.status === "False") {
    const reason = stringField(ready, "reason")
    const message = stringField(ready, "message")
    const detail = [reason, message].filter((part) => part !== undefined).join(": ")
    return { problem: `is not ready${detail === "" ? "" : `: ${detail}`}` }
  }
  const artifact = status.artifact
  const url = Predicate.isRecord(artifact) ? stringField(artifact, "url") : undefined
  if (!Predicate.isRecord(artifact) || url === undefined) return { problem: "has no artifact yet" }
  // `checksum` is the pre-v1 field (bare hex sha256); `revision` names the content, not the tarball.
  const checksum = stringField(artifact, "checksum")
  const digest =
    stringField(artifact, "digest") ?? (checksum === undefined ? undefined : `sha256:${checksum}`)
  return { url, digest, revision: stringField(artifact, "revision") }
}

/** The files and revision of a Flux source's (or a producer's ExternalArtifact's) artifact. */
const readArtifact = (object: KubeObject, path: string | undefined, limits: ArtifactLimits) =>
  Effect.gen(function* () {
    const key: ObjectKey = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: object.metadata.namespace ?? "",
      name: object.metadata.name,
    }
    const artifact = artifactOf(object)
    if ("problem" in artifact)
      return yield* new SourceNotReady({
        kind: key.kind,
        namespace: key.namespace ?? "",
        name: key.name,
        message: `${describeKey(key)} ${artifact.problem}`,
      })
    const fetcher = yield* ArtifactFetcher
    const unpacked = yield* fetcher.fetch(artifact.url, artifact.digest, limits).pipe(
      Effect.mapError(
        (error) =>
          new ArtifactFailed({
            url: error.url,
            message: `${describeKey(key)} artifact: ${error.message}`,
          }),
      ),
    )
    const tree = yield* sourceFromTree(unpacked, path)
    return {
      ...tree,
      revision: artifact.revision ?? artifact.digest ?? tree.revision,
      from: `${key.namespace}/${key.name}`,
    } satisfies ResolvedSource
  })

/**
 * The manifests of an unpacked tree under `path`, as a stage renders them, with the
 * revision of their content. An artifact is such a tree once downloaded; so is a local
 * directory standing in for one (`stagesetctl build --source-dir`).
 */
export const sourceFromTree = (
  tree: ReadonlyArray<ManifestFile>,
  path: string | undefined,
): Effect.Effect<ResolvedSource, BuildFailed> =>
  Effect.map(fromEither(selectArtifactFiles(tree, path)), (selected) => ({
    ...selected,
    revision: contentRevision(selected.files),
    root: tree,
  }))

/**
 * Resolves one stage's source, as the stage's identity (`SourceClient`, semantics.md
 * section 9): a StageSet reads only what its ServiceAccount may read (a producer's
 * ExternalArtifacts too). A missing or not-ready source is SourceNotReady (retried later);
 * a broken artifact ArtifactFailed; unusable files BuildFailed; a producer several
 * ExternalArtifacts name InvalidSpec. `path` only applies to artifacts.
 */
export const resolveSource = (
  stageSetNamespace: string,
  sourceRef: SourceRef,
  path?: string | undefined,
  limits: ArtifactLimits = defaultArtifactLimits,
): Effect.Effect<ResolvedSource, ResolveError, SourceClient | ArtifactFetcher> => {
  const namespace = sourceRef.namespace ?? stageSetNamespace
  const { kind, name } = sourceRef
  const apiVersion = sourceRef.apiVersion ?? FLUX_SOURCE_API_VERSION
  const span = Effect.withSpan("resolveSource", { attributes: { kind, namespace, name } })
  switch (routeOf(sourceRef)) {
    case "data":
      return resolveData({ apiVersion: sourceRef.apiVersion ?? "v1", kind, namespace, name }).pipe(
        span,
      )
    case "flux":
      return readSource({ apiVersion, kind, namespace, name }).pipe(
        Effect.flatMap((object) => readArtifact(object, path, limits)),
        span,
      )
    case "producer":
      return findProducedArtifact(
        { apiVersion, kind, namespace, name },
        FLUX_SOURCE_API_VERSION,
      ).pipe(
        Effect.flatMap((object) => readArtifact(object, path, limits)),
        span,
      )
  }
}
