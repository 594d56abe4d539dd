import { Data } from "effect"

/**
 * The manifests of a stage cannot be turned into objects. `message` is the
 * whole sentence a condition shows (file, document and what is wrong), so the
 * reason mapping can copy it as is.
 */
export class BuildFailed extends Data.TaggedError("BuildFailed")<{
  /** The file (ConfigMap/Secret key or path inside the artifact) at fault. */
  readonly file: string
  /** 0-based index of the YAML document (or JSON array element); undefined when the whole file or source is at fault. */
  readonly index: number | undefined
  readonly message: string
}> {}

/** Where in the sources a problem is. */
export interface SourceLocation {
  readonly file: string
  /** 0-based document index in the file. */
  readonly index?: number
  /** 1-based line where the document starts, when known (YAML). */
  readonly line?: number
  /** 0-based index in the `items` of a `kind: List` document. */
  readonly item?: number
}

/** How users read a location: `config.yaml document 2 (0-based, line 14) item 0`. */
export const describeLocation = (at: SourceLocation): string => {
  if (at.index === undefined) return at.file
  const line = at.line === undefined ? "" : `, line ${at.line}`
  const item = at.item === undefined ? "" : ` item ${at.item}`
  return `${at.file} document ${at.index} (0-based${line})${item}`
}

/** A BuildFailed whose message names the file and document before the detail. */
export const buildFailed = (at: SourceLocation, detail: string): BuildFailed =>
  new BuildFailed({ file: at.file, index: at.index, message: `${describeLocation(at)}: ${detail}` })
