/**
 * The rules a tree of source files obeys before it is written to disk for kustomize: the
 * same as for artifact entries (relative paths that stay inside the root, no empty or `.`
 * segments) and the same byte caps, so a ConfigMap or Secret source cannot write more or
 * elsewhere than an artifact could. Pure.
 */
import { type BuildFailed, buildFailed } from "../BuildFailed.ts"
import type { ManifestFile } from "../ManifestFile.ts"

const utf8 = new TextEncoder()

/** The bytes a file is written as. */
export const bytesOf = (file: ManifestFile): Uint8Array => file.bytes ?? utf8.encode(file.content)

const pathProblem = (path: string): string | undefined => {
  if (path === "") return "has an empty path"
  if (path.startsWith("/")) return "has an absolute path"
  if (path.includes("\\") || path.includes("\0")) return "has a backslash or NUL in its path"
  for (const segment of path.split("/")) {
    if (segment === "..") return "escapes the source root"
    if (segment === "" || segment === ".") return "has an empty or `.` path segment"
  }
  return undefined
}

/** The first file that breaks a rule, as a BuildFailed naming it; undefined when all is well. */
export const checkTree = (
  files: ReadonlyArray<ManifestFile>,
  limits: { readonly entryBytes: number; readonly extractedBytes: number },
): BuildFailed | undefined => {
  let total = 0
  const directories = new Set(
    files.flatMap((file) => {
      const parents = file.path.split("/").slice(0, -1)
      return parents.map((_, i) => parents.slice(0, i + 1).join("/"))
    }),
  )
  for (const file of files) {
    const problem = pathProblem(file.path)
    if (problem !== undefined) return buildFailed({ file: file.path }, `file ${problem}`)
    // A file and a directory of the same name cannot both be written.
    if (directories.has(file.path))
      return buildFailed({ file: file.path }, "file has the name of a directory of the source")
    const size = bytesOf(file).length
    if (size > limits.entryBytes)
      return buildFailed({ file: file.path }, `file exceeds ${limits.entryBytes} bytes`)
    total += size
    if (total > limits.extractedBytes)
      return buildFailed(
        { file: file.path },
        `files exceed ${limits.extractedBytes} bytes in total`,
      )
  }
  return undefined
}
