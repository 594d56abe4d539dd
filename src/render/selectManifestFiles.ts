/**
 * Which files of a source a stage renders, in which order. Pure: the source
 * resolution reads the ConfigMap, Secret or artifact and hands the files here.
 * Plain manifests are the `*.yaml|*.yml|*.json` files; once a kustomization is
 * involved, kustomize may read any file of the source (bases elsewhere in an
 * artifact, generator inputs), so the whole source is kept.
 */
import { Either } from "effect"
import { type BuildFailed, buildFailed } from "./BuildFailed.ts"
import type { ManifestFile } from "./ManifestFile.ts"

const manifestName = /\.(yaml|yml|json)$/
/** The names kustomize recognises as a directory's kustomization, in the order it tries them. */
export const kustomizationNames: ReadonlyArray<string> = [
  "kustomization.yaml",
  "kustomization.yml",
  "Kustomization",
]
const kustomizationNameSet: ReadonlySet<string> = new Set(kustomizationNames)

/** The files a stage renders from, and the directory it builds. */
export interface StageFiles {
  /** Sorted by path: the manifests, or every file of the source when kustomize is involved. */
  readonly files: ReadonlyArray<ManifestFile>
  /** The stage's `path` as a prefix without slashes (`""` is the source root). */
  readonly dir: string
}

/** `*.yaml`, `*.yml` or `*.json` (case-sensitive, like the key filter Flux users know). */
export const isManifestName = (path: string): boolean => manifestName.test(path)

/** A file kustomize would treat as the build root of its directory. */
export const isKustomizationName = (path: string): boolean =>
  kustomizationNameSet.has(path.slice(path.lastIndexOf("/") + 1))

/**
 * Unicode code-point order. `<` on strings compares UTF-16 code units, which
 * puts astral characters before U+E000..U+FFFF; code-point order is the same
 * as UTF-8 byte order, the order Go (and so Flux) sorts in.
 */
export const compareCodePoints = (a: string, b: string): number => {
  const length = Math.min(a.length, b.length)
  let i = 0
  while (i < length) {
    const x = a.codePointAt(i)!
    const y = b.codePointAt(i)!
    if (x !== y) return x - y
    i += x > 0xffff ? 2 : 1
  }
  return a.length - b.length
}

const byPath = (a: ManifestFile, b: ManifestFile): number => compareCodePoints(a.path, b.path)

/** ConfigMap `data`: the manifest keys in key order, or every key with a kustomization. */
export const selectConfigMapFiles = (
  data: Readonly<Record<string, string>> | undefined,
): Either.Either<StageFiles, BuildFailed> => {
  const all = Object.entries(data ?? {}).map(([path, content]) => ({ path, content }))
  const kustomized = all.some((file) => isKustomizationName(file.path))
  const files = (kustomized ? all : all.filter((file) => isManifestName(file.path))).sort(byPath)
  return Either.right({ files, dir: "" })
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * Secret `data`: base64 values, decoded. `stringData` is write-only: the API
 * server folds it into `data`, so reads never carry it.
 */
export const selectSecretFiles = (
  data: Readonly<Record<string, string>> | undefined,
): Either.Either<StageFiles, BuildFailed> => {
  const entries = Object.entries(data ?? {})
  const kustomized = entries.some(([key]) => isKustomizationName(key))
  const files: Array<ManifestFile> = []
  for (const [key, value] of entries) {
    const read = isManifestName(key) || isKustomizationName(key)
    if (!read && !kustomized) continue
    if (!base64.test(value)) return Either.left(buildFailed({ file: key }, "value is not base64"))
    const bytes = Buffer.from(value, "base64")
    try {
      files.push({ path: key, content: utf8.decode(bytes) })
    } catch {
      // Manifests must be text; other files only feed kustomize generators, byte for byte.
      if (read) return Either.left(buildFailed({ file: key }, "value is not UTF-8 text"))
      files.push({ path: key, content: bytes.toString("utf8"), bytes })
    }
  }
  return Either.right({ files: files.sort(byPath), dir: "" })
}

/**
 * A stage's `path` inside an artifact, as a prefix without `./` or slashes at
 * either end (`""` is the root). A leading `/` means the artifact root, as in
 * Flux; `..` may not climb above it.
 */
export const normaliseArtifactPath = (
  path: string | undefined,
): Either.Either<string, BuildFailed> => {
  const segments: Array<string> = []
  for (const segment of (path ?? "").split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment !== "..") segments.push(segment)
    else if (segments.pop() === undefined)
      return Either.left(
        buildFailed({ file: path ?? "" }, `path ${path} escapes the artifact root`),
      )
  }
  return Either.right(segments.join("/"))
}

/**
 * The files under `path` in an unpacked artifact, sorted by path. A missing directory is
 * an error rather than an empty render: an empty render would prune everything the stage
 * applied before. When a kustomization lies under `path` (there or deeper), every file
 * of the artifact is kept, as a kustomization may use bases and files elsewhere in it;
 * otherwise only the manifests under `path`.
 */
export const selectArtifactFiles = (
  files: ReadonlyArray<ManifestFile>,
  path: string | undefined,
): Either.Either<StageFiles, BuildFailed> =>
  Either.flatMap(normaliseArtifactPath(path), (prefix) => {
    const shown = prefix === "" ? "./" : `./${prefix}`
    if (prefix !== "" && files.some((file) => file.path === prefix))
      return Either.left(buildFailed({ file: shown }, `path ${shown} is a file, not a directory`))
    const under = prefix === "" ? files : files.filter((file) => file.path.startsWith(`${prefix}/`))
    if (prefix !== "" && under.length === 0)
      return Either.left(
        buildFailed({ file: shown }, `path ${shown} does not exist in the artifact`),
      )
    const kustomized = under.some((file) => isKustomizationName(file.path))
    const selected = kustomized ? [...files] : under.filter((file) => isManifestName(file.path))
    return Either.right({ files: selected.sort(byPath), dir: prefix })
  })
