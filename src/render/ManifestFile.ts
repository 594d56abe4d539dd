/** One manifest file of a source: a ConfigMap/Secret key or a path inside an artifact. */
export interface ManifestFile {
  readonly path: string
  readonly content: string
  /**
   * The exact bytes, kept for files that are not manifests (a kustomize generator may read
   * binary data), whose `content` is decoded leniently. Absent: `content` is exact.
   */
  readonly bytes?: Uint8Array
}
