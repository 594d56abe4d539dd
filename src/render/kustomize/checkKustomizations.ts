/**
 * What a kustomize build may not do here, checked before the binary runs so the refusal
 * names the kustomization and the entry at fault: reach outside the source (an absolute
 * path, `..` above the root), fetch anything (a remote base or file: no network), or run
 * anything (KRM function and exec plugins, helm charts). Pure.
 *
 * Only the kustomizations the build reaches are read, starting at the built directory
 * and following `resources`, `components`, `bases`, `generators`, `transformers` and
 * `validators` into directories: an artifact may hold kustomizations for other
 * consumers that never take part. Files a kustomization loads (patches, generator
 * inputs, configurations) are confined to its own directory by kustomize itself
 * (LoadRestrictionsRootOnly); here they are only checked for URLs.
 */
import { Predicate } from "effect"
import { parseAllDocuments } from "yaml"
import { type BuildFailed, buildFailed } from "../BuildFailed.ts"
import type { ManifestFile } from "../ManifestFile.ts"
import { kustomizationNames } from "../selectManifestFiles.ts"

/** A URL scheme (`https://`, `ssh://`, `git::`) or scp-like git remote (`git@host:org/repo`). */
const remote = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:\/\/|[a-zA-Z][a-zA-Z0-9+.-]*::|git@)/
const FUNCTION_ANNOTATIONS = ["config.kubernetes.io/function", "config.k8s.io/function"]
/** Fields whose entries name other kustomizations (directories) or resource files. */
const TREE_FIELDS = ["resources", "components", "bases"] as const
/** Fields whose entries are plugin configurations: a file, a directory, or inline YAML. */
const PLUGIN_FIELDS = ["generators", "transformers", "validators"] as const
const HELM_FIELDS = ["helmCharts", "helmGlobals", "helmChartInflationGenerator"] as const

interface Tree {
  readonly files: ReadonlyMap<string, ManifestFile>
  readonly directories: ReadonlySet<string>
}

const treeOf = (files: ReadonlyArray<ManifestFile>): Tree => {
  const directories = new Set<string>([""])
  for (const file of files) {
    const parts = file.path.split("/").slice(0, -1)
    for (let i = 1; i <= parts.length; i++) directories.add(parts.slice(0, i).join("/"))
  }
  return { files: new Map(files.map((file) => [file.path, file])), directories }
}

/** `entry` resolved against `dir`, or undefined when it climbs above the root. */
const resolve = (dir: string, entry: string): string | undefined => {
  const out = dir === "" ? [] : dir.split("/")
  for (const segment of entry.split("/")) {
    if (segment === "" || segment === ".") continue
    if (segment !== "..") out.push(segment)
    else if (out.pop() === undefined) return undefined
  }
  return out.join("/")
}

/** The kustomization file of `dir`, as kustomize picks it. */
const kustomizationIn = (tree: Tree, dir: string): ManifestFile | undefined => {
  for (const name of kustomizationNames) {
    const file = tree.files.get(dir === "" ? name : `${dir}/${name}`)
    if (file !== undefined) return file
  }
  return undefined
}

const stringsIn = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []

/** Every string anywhere in `value`, with where it sits, for the URL check of file fields. */
const allStrings = (value: unknown, at: string): ReadonlyArray<[string, string]> => {
  if (typeof value === "string") return [[at, value]]
  if (Array.isArray(value)) return value.flatMap((v, i) => allStrings(v, `${at}[${i}]`))
  if (Predicate.isRecord(value))
    return Object.entries(value).flatMap(([k, v]) => allStrings(v, `${at}.${k}`))
  return []
}

/** Fields that load files; inline patch text is skipped, it is no path. */
const FILE_FIELDS = [
  "patches",
  "patchesStrategicMerge",
  "patchesJson6902",
  "configurations",
  "crds",
  "openapi",
  "replacements",
  "configMapGenerator",
  "secretGenerator",
] as const

const isFunctionConfig = (document: unknown): boolean => {
  if (!Predicate.isRecord(document)) return false
  const metadata = Predicate.isRecord(document.metadata) ? document.metadata : {}
  const annotations = Predicate.isRecord(metadata.annotations) ? metadata.annotations : {}
  return FUNCTION_ANNOTATIONS.some((key) => annotations[key] !== undefined)
}

const documentsOf = (text: string): ReadonlyArray<unknown> | undefined => {
  const documents = parseAllDocuments(text, { prettyErrors: false })
  if (documents.some((d) => d.errors.length > 0)) return undefined
  return documents.map((d) => d.toJS({ maxAliasCount: 100 }))
}

class Walk {
  readonly visited = new Set<string>()
  readonly tree: Tree
  constructor(tree: Tree) {
    this.tree = tree
  }

  /** Checks the kustomization of `dir` and everything it reaches; the first problem wins. */
  kustomization(dir: string): BuildFailed | undefined {
    if (this.visited.has(dir)) return undefined
    this.visited.add(dir)
    const file = kustomizationIn(this.tree, dir)
    if (file === undefined) return undefined
    const at = { file: file.path }
    const documents = documentsOf(file.content)
    if (documents === undefined) return buildFailed(at, "not valid YAML")
    const body = documents[0]
    if (body === null || body === undefined) return undefined
    if (!Predicate.isRecord(body)) return buildFailed(at, "not a kustomization (not a mapping)")
    for (const field of HELM_FIELDS)
      if (body[field] !== undefined)
        return buildFailed(
          at,
          `${field} is not supported: helm charts would run helm, and kustomize builds here run nothing but kustomize`,
        )
    for (const field of TREE_FIELDS) {
      for (const [i, entry] of stringsIn(body[field]).entries()) {
        const problem = this.entry(dir, entry, `${field}[${i}]`, at)
        if (problem !== undefined) return problem
      }
    }
    for (const field of PLUGIN_FIELDS) {
      for (const [i, entry] of stringsIn(body[field]).entries()) {
        const problem = this.plugin(dir, entry, `${field}[${i}]`, at)
        if (problem !== undefined) return problem
      }
    }
    for (const field of FILE_FIELDS) {
      for (const [where, value] of allStrings(body[field], field)) {
        if (!value.includes("\n") && remote.test(value.trim()))
          return buildFailed(
            at,
            `${where} ${value} is remote; builds here read only the source's own files (no network)`,
          )
      }
    }
    return undefined
  }

  /** A resource, component or base: a file or a directory of the source. */
  entry(dir: string, entry: string, where: string, at: { file: string }): BuildFailed | undefined {
    const target = this.local(dir, entry, where, at)
    if (typeof target !== "string") return target
    if (this.tree.files.has(target)) return undefined
    if (this.tree.directories.has(target)) return this.kustomization(target)
    return buildFailed(
      at,
      `${where} ${entry} does not exist in the source (remote resources are not supported: builds here have no network)`,
    )
  }

  /** A plugin configuration: inline YAML, a file, or a kustomization producing them. */
  plugin(dir: string, entry: string, where: string, at: { file: string }): BuildFailed | undefined {
    if (entry.includes("\n")) {
      const documents = documentsOf(entry)
      if (documents?.some(isFunctionConfig))
        return buildFailed(
          at,
          `${where} is a KRM function (exec or container plugin), which is not supported`,
        )
      return undefined
    }
    const target = this.local(dir, entry, where, at)
    if (typeof target !== "string") return target
    const file = this.tree.files.get(target)
    if (file !== undefined) {
      if (documentsOf(file.content)?.some(isFunctionConfig))
        return buildFailed(
          at,
          `${where} ${entry} is a KRM function (exec or container plugin), which is not supported`,
        )
      return undefined
    }
    if (this.tree.directories.has(target)) return this.kustomization(target)
    return buildFailed(at, `${where} ${entry} does not exist in the source`)
  }

  /** The path `entry` names inside the source, or why it names none. */
  local(dir: string, entry: string, where: string, at: { file: string }): string | BuildFailed {
    const trimmed = entry.trim()
    if (remote.test(trimmed))
      return buildFailed(
        at,
        `${where} ${entry} is remote; builds here read only the source's own files (no network)`,
      )
    if (trimmed.startsWith("/"))
      return buildFailed(at, `${where} ${entry} is an absolute path, outside the source`)
    const target = resolve(dir, trimmed)
    return target === undefined
      ? buildFailed(at, `${where} ${entry} reaches outside the source`)
      : target
  }
}

/**
 * Why the kustomize build of `dir` over `files` is refused, naming the kustomization and
 * its entry; undefined when it may run.
 */
export const checkKustomizations = (
  files: ReadonlyArray<ManifestFile>,
  dir: string,
): BuildFailed | undefined => new Walk(treeOf(files)).kustomization(dir)
