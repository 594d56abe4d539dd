import { Context, type Effect } from "effect"
import type { ManifestFile } from "../render/ManifestFile.ts"
import type { ArtifactFailed } from "./errors/sourceErrors.ts"

/** Byte caps for one artifact; they bound memory and stop gzip/tar bombs. */
export interface ArtifactLimits {
  /** The downloaded tar.gz. */
  readonly compressedBytes: number
  /** The tar stream after gunzip (headers and padding included). */
  readonly inflatedBytes: number
  /** One file in the archive. */
  readonly entryBytes: number
  /** All files in the archive together. */
  readonly extractedBytes: number
}

const MiB = 1024 * 1024

/** The caps api.md sets. */
export const defaultArtifactLimits: ArtifactLimits = {
  compressedBytes: 64 * MiB,
  inflatedBytes: 512 * MiB,
  entryBytes: 16 * MiB,
  extractedBytes: 64 * MiB,
}

/** Downloads and unpacks Flux source artifacts (tar.gz). Implementations: Live (HTTP) and InMemory. */
export class ArtifactFetcher extends Context.Tag("stageset/ArtifactFetcher")<
  ArtifactFetcher,
  {
    /**
     * Downloads `url`, checks `digest` (`sha256:<hex>`; skipped when undefined) over the
     * compressed bytes, and returns the regular files of the archive, paths relative to its root.
     */
    readonly fetch: (
      url: string,
      digest: string | undefined,
      limits: ArtifactLimits,
    ) => Effect.Effect<ReadonlyArray<ManifestFile>, ArtifactFailed>
  }
>() {}
