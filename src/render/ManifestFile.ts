/** One manifest file of a source: a ConfigMap/Secret key or a path inside an artifact. */
export interface ManifestFile {
  readonly path: string
  readonly content: string
}
