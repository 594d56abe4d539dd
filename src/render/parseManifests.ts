/**
 * Manifest files -> Kubernetes objects, pure. YAML files may hold many
 * documents; `.json` files hold one object or an array of objects. A
 * `kind: List` document is expanded into its items, as kubectl does. Every
 * error names the file and the 0-based document index.
 */
import { Either, Predicate } from "effect"
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type ScalarTag,
  Schema,
  type Tags,
} from "yaml"
import type { KubeObject } from "../kube/KubeObject.ts"
import { type BuildFailed, buildFailed, type SourceLocation } from "./BuildFailed.ts"
import type { ManifestFile } from "./ManifestFile.ts"

export interface RenderedObject {
  readonly object: KubeObject
  readonly source: {
    readonly file: string
    /** 0-based document index in the file (array element for JSON). */
    readonly index: number
    /** 0-based index in the `items` of a `kind: List` document. */
    readonly item?: number
  }
}

/**
 * YAML 1.1 octals (`0644`). kubectl and Flux read manifests with Go YAML
 * libraries that still decode them, so `defaultMode: 0644` must mean 420 here
 * too; the YAML 1.2 core schema would read decimal 644, which the API server
 * refuses. Everything else follows YAML 1.2 (so `on`/`yes` stay strings, as in
 * Flux).
 */
export const yaml11Octal: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  format: "OCT",
  test: /^0[0-7]+$/,
  resolve: (text) => Number.parseInt(text, 8),
}

const describeValue = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`

const checkStringMap = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined
  if (!Predicate.isRecord(value)) return `${field} must be a mapping, found ${describeValue(value)}`
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== "string")
      return `${field}.${key} must be a string, found ${describeValue(entry)} (quote it)`
  }
  return undefined
}

const checkRequiredString = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null || value === "") return `missing ${field}`
  return typeof value === "string"
    ? undefined
    : `${field} must be a string, found ${describeValue(value)}`
}

/** Why `value` is not an object the controller can apply and record, or undefined. */
export const checkObject = (value: unknown): string | undefined => {
  if (!Predicate.isRecord(value)) return `not a mapping, found ${describeValue(value)}`
  const problem =
    checkRequiredString(value.apiVersion, "apiVersion") ?? checkRequiredString(value.kind, "kind")
  if (problem !== undefined) return problem
  const metadata = value.metadata
  if (metadata === undefined || metadata === null) return "missing metadata.name"
  if (!Predicate.isRecord(metadata))
    return `metadata must be a mapping, found ${describeValue(metadata)}`
  const name = metadata.name
  if ((name === undefined || name === null || name === "") && metadata.generateName !== undefined)
    return "metadata.generateName is not supported: set metadata.name, the inventory needs stable names"
  const namespace = metadata.namespace
  if (namespace !== undefined && namespace !== null && typeof namespace !== "string")
    return `metadata.namespace must be a string, found ${describeValue(namespace)}`
  return (
    checkRequiredString(name, "metadata.name") ??
    checkStringMap(metadata.labels, "metadata.labels") ??
    checkStringMap(metadata.annotations, "metadata.annotations")
  )
}

type Parsed = Either.Either<ReadonlyArray<RenderedObject>, BuildFailed>

/** One document's value: an object, or a `kind: List` expanded into its items. */
const fromValue = (value: unknown, at: SourceLocation & { readonly index: number }): Parsed => {
  if (Predicate.isRecord(value) && value.kind === "List") {
    const items = value.items ?? []
    if (!Array.isArray(items))
      return Either.left(
        buildFailed(at, `List items must be a list, found ${describeValue(items)}`),
      )
    const objects: Array<RenderedObject> = []
    for (const [item, entry] of items.entries()) {
      const itemAt = { ...at, item }
      if (Predicate.isRecord(entry) && entry.kind === "List")
        return Either.left(buildFailed(itemAt, "a List inside a List is not supported"))
      const problem = checkObject(entry)
      if (problem !== undefined) return Either.left(buildFailed(itemAt, problem))
      objects.push({
        object: entry as KubeObject,
        source: { file: at.file, index: at.index, item },
      })
    }
    return Either.right(objects)
  }
  const problem = checkObject(value)
  return problem === undefined
    ? Either.right([{ object: value as KubeObject, source: { file: at.file, index: at.index } }])
    : Either.left(buildFailed(at, problem))
}

/** The YAML or JSON library's own words, unless the file is a Secret's: they may quote it. */
const libraryReason = (reason: string, sensitive: boolean) => (sensitive ? "" : `: ${reason}`)

const customTags = (tags: Tags): Tags => [yaml11Octal, ...tags]

const parseYaml = (file: ManifestFile, sensitive: boolean): Parsed => {
  const lineCounter = new LineCounter()
  // One schema for the file's documents: the library otherwise builds the same one for
  // each document (~8 % of parsing 5 000 small documents, B2). It is what the library
  // builds for a YAML 1.2 document with these options. Not with a %YAML directive: a
  // document marked 1.1 gets the library's 1.1 schema, which a given schema would replace.
  const schema = file.content.includes("%YAML")
    ? undefined
    : new Schema({ schema: "core", resolveKnownTags: true, merge: true, customTags })
  const documents = parseAllDocuments(file.content, {
    lineCounter,
    prettyErrors: false,
    merge: true,
    customTags,
    ...(schema === undefined ? {} : { schema }),
  })
  const objects: Array<RenderedObject> = []
  for (const [index, document] of documents.entries()) {
    const contents = document.contents
    const start = contents?.range[0] ?? document.range[0]
    const at: SourceLocation & { index: number } = {
      file: file.path,
      index,
      line: lineCounter.linePos(start).line,
    }
    const error = document.errors[0]
    if (error !== undefined) {
      const pos = lineCounter.linePos(error.pos[0])
      return Either.left(
        buildFailed(
          { file: file.path, index },
          `not valid YAML${libraryReason(error.message, sensitive)} (line ${pos.line}, column ${pos.col})`,
        ),
      )
    }
    // `---` with nothing after it, or only comments, or an explicit null: kubectl skips these.
    if (contents === null || (isScalar(contents) && contents.value === null)) continue
    if (!isMap(contents))
      return Either.left(
        buildFailed(at, `not a mapping, found ${isSeq(contents) ? "a list" : "a scalar"}`),
      )
    let value: unknown
    try {
      // The alias cap stops "billion laughs" documents from expanding without bound.
      value = document.toJS({ maxAliasCount: 100 })
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      return Either.left(buildFailed(at, `not valid YAML${libraryReason(reason, sensitive)}`))
    }
    const parsed = fromValue(value, at)
    if (Either.isLeft(parsed)) return parsed
    objects.push(...parsed.right)
  }
  return Either.right(objects)
}

const parseJson = (file: ManifestFile, sensitive: boolean): Parsed => {
  if (file.content.trim() === "") return Either.right([])
  let value: unknown
  try {
    value = JSON.parse(file.content)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    // Node's JSON.parse quotes the text around the error.
    return Either.left(
      buildFailed({ file: file.path }, `not valid JSON${libraryReason(reason, sensitive)}`),
    )
  }
  const documents = Array.isArray(value) ? value : [value]
  const objects: Array<RenderedObject> = []
  for (const [index, document] of documents.entries()) {
    const parsed = fromValue(document, { file: file.path, index })
    if (Either.isLeft(parsed)) return parsed
    objects.push(...parsed.right)
  }
  return Either.right(objects)
}

/**
 * Parses files in the order given; the first problem fails the whole render. `sensitive`
 * (a Secret's files): errors name the file, document, line and column, and our own checks
 * (which never quote values), but not the parser's words, which may quote the content.
 */
export const parseManifests = (
  files: ReadonlyArray<ManifestFile>,
  options: { readonly sensitive?: boolean } = {},
): Either.Either<ReadonlyArray<RenderedObject>, BuildFailed> => {
  const sensitive = options.sensitive === true
  const objects: Array<RenderedObject> = []
  for (const file of files) {
    const parsed = file.path.endsWith(".json")
      ? parseJson(file, sensitive)
      : parseYaml(file, sensitive)
    if (Either.isLeft(parsed)) return parsed
    objects.push(...parsed.right)
  }
  return Either.right(objects)
}
