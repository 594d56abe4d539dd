import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { defaultArtifactLimits } from "../programs/ArtifactFetcher.ts"
import type { ManifestFile } from "../render/ManifestFile.ts"
import { type CliFailure, failure, usageFailure } from "./CliFailure.ts"

/**
 * A checkout's `.git`, CI directories and dotfiles are never part of the artifact a Flux
 * source builds from it; read as a tree they would add manifests the stage never applies.
 */
const hidden = (relative: string) => relative.split("/").some((segment) => segment.startsWith("."))

/**
 * Every regular file under `dir` (recursively, dotted names skipped), paths relative to it
 * with `/` separators: the tree an artifact would unpack to. Held to the artifact byte caps,
 * so a preview fails where the controller would.
 */
export const readSourceTree = (
  dir: string,
): Effect.Effect<ReadonlyArray<ManifestFile>, CliFailure, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* fs.stat(dir).pipe(Effect.option)
    if (info._tag === "None" || info.value.type !== "Directory")
      return yield* usageFailure(`--source-dir ${dir}: not a directory`)
    const cannotRead = (what: string) => (error: { readonly message: string }) =>
      failure(`--source-dir: cannot read ${what}: ${error.message}`)
    const names = yield* fs
      .readDirectory(dir, { recursive: true })
      .pipe(Effect.mapError(cannotRead(dir)))
    const files: Array<ManifestFile> = []
    let total = 0
    for (const name of names.map((n) => n.split(path.sep).join("/")).sort()) {
      if (hidden(name)) continue
      const file = path.join(dir, name)
      const stat = yield* fs.stat(file).pipe(Effect.mapError(cannotRead(file)))
      if (stat.type !== "File") continue
      const size = Number(stat.size)
      if (size > defaultArtifactLimits.entryBytes)
        return yield* failure(
          `--source-dir: ${file} is larger than one artifact file may be (${defaultArtifactLimits.entryBytes} bytes)`,
        )
      total += size
      if (total > defaultArtifactLimits.extractedBytes)
        return yield* failure(
          `--source-dir ${dir}: more than an artifact may hold (${defaultArtifactLimits.extractedBytes} bytes)`,
        )
      files.push({
        path: name,
        content: yield* fs.readFileString(file).pipe(Effect.mapError(cannotRead(file))),
      })
    }
    return files
  })
