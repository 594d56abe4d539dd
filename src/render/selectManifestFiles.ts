/**
 * Which files of a source are manifests, in which order. Pure: the source
 * resolution reads the ConfigMap, Secret or artifact and hands the files here.
 */
import { Either } from "effect"
import { type BuildFailed, buildFailed } from "./BuildFailed.ts"
import type { ManifestFile } from "./ManifestFile.ts"

const manifestName = /\.(yaml|yml|json)$/
const kustomizationNames = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"])
const KUSTOMIZE_REFUSED = "kustomize builds are not supported yet"

/** `*.yaml`, `*.yml` or `*.json` (case-sensitive, like the key filter Flux users know). */
export const isManifestName = (path: string): boolean => manifestName.test(path)

/** A file kustomize would treat as the build root of its directory. */
export const isKustomizationName = (path: string): boolean =>
  kustomizationNames.has(path.slice(path.lastIndexOf("/") + 1))

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

const refuseKustomization = (files: ReadonlyArray<ManifestFile>): BuildFailed | undefined => {
  const found = files.find((file) => isKustomizationName(file.path))
  return found === undefined
    ? undefined
    : buildFailed({ file: found.path }, `${KUSTOMIZE_REFUSED} (found ${found.path})`)
}

/** ConfigMap `data`: the manifest keys in key order. `binaryData` is never read. */
export const selectConfigMapFiles = (
  data: Readonly<Record<string, string>> | undefined,
): Either.Either<ReadonlyArray<ManifestFile>, BuildFailed> => {
  const files = Object.entries(data ?? {})
    .filter(([key]) => isManifestName(key) || isKustomizationName(key))
    .map(([path, content]) => ({ path, content }))
    .sort(byPath)
  const refused = refuseKustomization(files)
  return refused === undefined ? Either.right(files) : Either.left(refused)
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * Secret `data`: base64 values, decoded. `stringData` is write-only: the API
 * server folds it into `data`, so reads never carry it.
 */
export const selectSecretFiles = (
  data: Readonly<Record<string, string>> | undefined,
): Either.Either<ReadonlyArray<ManifestFile>, BuildFailed> => {
  const decoded: Record<string, string> = {}
  for (const [key, value] of Object.entries(data ?? {})) {
    if (!isManifestName(key) && !isKustomizationName(key)) continue
    if (!base64.test(value)) return Either.left(buildFailed({ file: key }, "value is not base64"))
    try {
      decoded[key] = utf8.decode(Buffer.from(value, "base64"))
    } catch {
      return Either.left(buildFailed({ file: key }, "value is not UTF-8 text"))
    }
  }
  return selectConfigMapFiles(decoded)
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
 * The manifests under `path` in an unpacked artifact, recursively, sorted by
 * path. A missing directory is an error rather than an empty render: an empty
 * render would prune everything the stage applied before. Kustomizations
 * anywhere under `path` are refused: read as plain manifests they would be
 * applied as objects.
 */
export const selectArtifactFiles = (
  files: ReadonlyArray<ManifestFile>,
  path: string | undefined,
): Either.Either<ReadonlyArray<ManifestFile>, BuildFailed> =>
  Either.flatMap(normaliseArtifactPath(path), (prefix) => {
    const shown = prefix === "" ? "./" : `./${prefix}`
    if (prefix !== "" && files.some((file) => file.path === prefix))
      return Either.left(buildFailed({ file: shown }, `path ${shown} is a file, not a directory`))
    const under = prefix === "" ? files : files.filter((file) => file.path.startsWith(`${prefix}/`))
    if (prefix !== "" && under.length === 0)
      return Either.left(
        buildFailed({ file: shown }, `path ${shown} does not exist in the artifact`),
      )
    const refused = refuseKustomization(under)
    if (refused !== undefined) return Either.left(refused)
    return Either.right(under.filter((file) => isManifestName(file.path)).sort(byPath))
  })
