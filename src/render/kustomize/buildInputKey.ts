import { createHash } from "node:crypto"
import type { ManifestFile } from "../ManifestFile.ts"
import { bytesOf } from "./checkTree.ts"

/**
 * Identifies one `kustomize build`: the directory built and every file of the tree, path
 * and exact bytes, in the order given. Same key, same output: the binary is pinned and
 * runs without network or plugins, so the output depends on nothing else.
 */
export const buildInputKey = (files: ReadonlyArray<ManifestFile>, dir: string): string => {
  const hash = createHash("sha256").update(`${dir}\0`)
  for (const file of files) {
    const bytes = bytesOf(file)
    hash.update(`${file.path}\0${bytes.length}\0`).update(bytes)
  }
  return hash.digest("base64url")
}
