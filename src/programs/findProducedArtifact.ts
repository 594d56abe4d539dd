/**
 * A producer `sourceRef` (api.md, "Compatibility with the public Go implementation"): a
 * kind other than ConfigMap, Secret and the Flux source kinds names the object that
 * publishes an ExternalArtifact, and the source is the one ExternalArtifact in its
 * namespace whose `spec.sourceRef` points back at it (Flux RFC-0012). Listed as the stage's
 * identity, like any source read.
 */
import { Effect, Predicate } from "effect"
import { describeKey } from "../kube/describeKey.ts"
import type { KubeError } from "../kube/KubeError.ts"
import { type KubeObject, parseApiVersion } from "../kube/KubeObject.ts"
import { SourceClient } from "../kube/SourceClient.ts"
import { InvalidSpec } from "./errors/InvalidSpec.ts"
import { SourceNotReady } from "./errors/sourceErrors.ts"

export const EXTERNAL_ARTIFACT_KIND = "ExternalArtifact"

/** The producer a `sourceRef` names; `apiVersion` is already defaulted. */
export interface ProducerRef {
  readonly apiVersion: string
  readonly kind: string
  readonly namespace: string
  readonly name: string
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

/**
 * Whether `artifact`'s `spec.sourceRef` names `producer`: same kind and name, same API
 * group (the version may differ, so a producer can move to a new version of its API), and
 * no other namespace.
 */
export const isProducedBy = (artifact: KubeObject, producer: ProducerRef): boolean => {
  const spec = Predicate.isRecord(artifact.spec) ? artifact.spec : {}
  const ref = Predicate.isRecord(spec.sourceRef) ? spec.sourceRef : undefined
  if (ref === undefined) return false
  const apiVersion = text(ref.apiVersion)
  const namespace = text(ref.namespace)
  return (
    ref.kind === producer.kind &&
    ref.name === producer.name &&
    apiVersion !== undefined &&
    parseApiVersion(apiVersion).group === parseApiVersion(producer.apiVersion).group &&
    (namespace === undefined || namespace === producer.namespace)
  )
}

/**
 * The ExternalArtifact `producer` publishes, read at `artifactApiVersion`. None is
 * SourceNotReady (the producer may not have published yet); several is InvalidSpec: which
 * one is meant cannot be told.
 */
export const findProducedArtifact = (
  producer: ProducerRef,
  artifactApiVersion: string,
): Effect.Effect<KubeObject, SourceNotReady | InvalidSpec | KubeError, SourceClient> =>
  Effect.gen(function* () {
    // The stage's identity (semantics.md section 9), as every source read.
    const kube = yield* SourceClient
    const what = `${describeKey(producer)} (${parseApiVersion(producer.apiVersion).group || "core"})`
    const notReady = (message: string) =>
      new SourceNotReady({
        kind: producer.kind,
        namespace: producer.namespace,
        name: producer.name,
        message,
      })
    const listed = yield* kube
      .list(
        { apiVersion: artifactApiVersion, kind: EXTERNAL_ARTIFACT_KIND },
        { namespace: producer.namespace },
      )
      .pipe(
        Effect.catchTag("KubeNotFound", () =>
          Effect.fail(
            notReady(
              `${what} is a producer, but ${EXTERNAL_ARTIFACT_KIND} (${artifactApiVersion}) is not served`,
            ),
          ),
        ),
      )
    const found = listed.items.filter((artifact) => isProducedBy(artifact, producer))
    const [only, ...more] = found
    if (only === undefined)
      return yield* notReady(
        `no ${EXTERNAL_ARTIFACT_KIND} in namespace ${producer.namespace} names ${what} in its spec.sourceRef (yet)`,
      )
    if (more.length > 0)
      return yield* new InvalidSpec({
        message: `${what} is named by ${found.length} ${EXTERNAL_ARTIFACT_KIND}s in spec.sourceRef (${found
          .map((a) => a.metadata.name)
          .join(", ")}); a producer's source must be one`,
      })
    return only
  })
