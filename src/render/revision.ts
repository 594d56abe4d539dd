import { createHash } from "node:crypto"
import type { ManifestFile } from "./ManifestFile.ts"

// Bumped if the serialisation ever changes, so old and new revisions never compare equal by accident.
const FORMAT = "stageset-files-v1\n"

/**
 * `sha256:<hex>` over the files in the order given (the selection sorts them).
 * Each name and content is prefixed with its UTF-8 byte length, so no other
 * split of the same bytes into names and contents hashes the same.
 */
export const contentRevision = (files: ReadonlyArray<ManifestFile>): string => {
  const hash = createHash("sha256").update(FORMAT)
  for (const file of files) {
    for (const part of [file.path, file.content]) {
      const bytes = Buffer.from(part, "utf8")
      hash.update(`${bytes.length}:`).update(bytes)
    }
  }
  return `sha256:${hash.digest("hex")}`
}
