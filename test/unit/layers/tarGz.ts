import { createHash } from "node:crypto"
import { gzipSync } from "node:zlib"
import { Effect } from "effect"
import { pack } from "tar-stream"

export interface TarEntry {
  readonly name: string
  readonly content?: string | Uint8Array
  readonly type?: "file" | "directory" | "symlink" | "link"
  readonly linkname?: string
}

/** A real tar.gz built in memory with tar-stream and zlib, as source-controller would serve it. */
export const tarGz = (entries: ReadonlyArray<TarEntry>): Effect.Effect<Buffer> =>
  Effect.promise(async () => {
    const archive = pack()
    for (const entry of entries) {
      const header = {
        name: entry.name,
        type: entry.type ?? "file",
        ...(entry.linkname === undefined ? {} : { linkname: entry.linkname }),
      }
      if (header.type === "file") archive.entry(header, entry.content ?? "")
      else archive.entry(header)
    }
    archive.finalize()
    const chunks: Array<Buffer> = []
    for await (const chunk of archive) chunks.push(chunk as Buffer)
    return gzipSync(Buffer.concat(chunks))
  })

export const sha256 = (bytes: Uint8Array): string =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`
