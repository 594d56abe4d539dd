import { Data } from "effect"

/** The stage's source cannot be used yet: missing, not Ready, or without an artifact. Retried later. */
export class SourceNotReady extends Data.TaggedError("SourceNotReady")<{
  readonly kind: string
  readonly namespace: string
  readonly name: string
  /** A sentence for the condition, naming the source, e.g. `ConfigMap payments/infra-manifests not found`. */
  readonly message: string
}> {}

/** The source's artifact could not be downloaded, verified or unpacked safely. */
export class ArtifactFailed extends Data.TaggedError("ArtifactFailed")<{
  readonly url: string
  /** A sentence for the condition, e.g. `digest mismatch: expected sha256:..., got sha256:...`. */
  readonly message: string
}> {}
