import { Predicate } from "effect"
import type { KubeObject } from "../kube/KubeObject.ts"
import { metadataOnly } from "./Informer.ts"

/**
 * What the controller keeps of a Flux source: its identifying metadata, the artifact's
 * coordinates, the Ready condition's status and an ExternalArtifact's `spec.sourceRef`
 * (the producer it names), which is all `resolveSource` reacts to.
 * Flux rewrites status often (timestamps, messages); this keeps those writes from
 * reconciling every StageSet that reads the source.
 */
export const fluxSourceSummary = (object: KubeObject): KubeObject => {
  const status = Predicate.isRecord(object.status) ? object.status : {}
  const artifact = Predicate.isRecord(status.artifact) ? status.artifact : {}
  const conditions = Array.isArray(status.conditions) ? status.conditions : []
  const ready = conditions.find((c) => Predicate.isRecord(c) && c.type === "Ready")
  const spec = Predicate.isRecord(object.spec) ? object.spec : {}
  const producer = Predicate.isRecord(spec.sourceRef) ? spec.sourceRef : undefined
  return {
    ...metadataOnly(object),
    ...(producer === undefined
      ? {}
      : {
          spec: {
            sourceRef: {
              apiVersion: producer.apiVersion,
              kind: producer.kind,
              name: producer.name,
              namespace: producer.namespace,
            },
          },
        }),
    status: {
      artifact: { url: artifact.url, digest: artifact.digest, revision: artifact.revision },
      ready: Predicate.isRecord(ready) ? ready.status : undefined,
    },
  }
}

/** Whether a summarized Flux source changed in a way its readers must see. */
export const fluxSourceChanged = (previous: KubeObject, next: KubeObject): boolean =>
  previous.metadata.generation !== next.metadata.generation ||
  previous.metadata.deletionTimestamp !== next.metadata.deletionTimestamp ||
  JSON.stringify(previous.status) !== JSON.stringify(next.status)
