/**
 * Verification and extraction of a downloaded tar.gz, shared by the Live and
 * InMemory ArtifactFetcher layers so both refuse exactly the same archives.
 * The archive is untrusted: every cap is checked while streaming, before the
 * bytes are kept, and nothing is ever written to disk.
 */
import { createHash } from "node:crypto"
import { createGunzip } from "node:zlib"
import { Effect } from "effect"
import { type Header as TarHeader, extract as tarExtract } from "tar-stream"
import type { ArtifactLimits } from "../../src/programs/ArtifactFetcher.ts"
import { ArtifactFailed } from "../../src/programs/errors/sourceErrors.ts"
import type { ManifestFile } from "../../src/render/ManifestFile.ts"
import { isManifestName } from "../../src/render/selectManifestFiles.ts"

const MiB = 1024 * 1024

/** `64 MiB` for whole MiB (the caps api.md names), plain bytes otherwise (small caps in tests). */
export const formatBytes = (bytes: number): string =>
  bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`

const digestAlgorithms: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 }

/** Checks `algorithm:hex` over the compressed bytes; Flux writes sha256 unless told otherwise. */
export const verifyDigest = (
  url: string,
  bytes: Uint8Array,
  digest: string | undefined,
): Effect.Effect<void, ArtifactFailed> =>
  Effect.suspend(() => {
    if (digest === undefined) return Effect.void
    const colon = digest.indexOf(":")
    const algorithm = digest.slice(0, colon)
    const expected = digest.slice(colon + 1).toLowerCase()
    const hexLength = digestAlgorithms[algorithm]
    if (colon < 0 || hexLength === undefined || !/^[0-9a-f]+$/.test(expected))
      return Effect.fail(new ArtifactFailed({ url, message: `unsupported digest ${digest}` }))
    const actual = createHash(algorithm).update(bytes).digest("hex")
    return actual === expected
      ? Effect.void
      : Effect.fail(
          new ArtifactFailed({
            url,
            message: `digest mismatch: expected ${algorithm}:${expected}, got ${algorithm}:${actual}`,
          }),
        )
  })

type EntryPlan =
  | { readonly _tag: "File"; readonly path: string }
  | { readonly _tag: "Skip" }
  | { readonly _tag: "Refuse"; readonly reason: string }

/** Resolves `..` in `segments`; undefined when that climbs above the root. */
const resolveInside = (segments: ReadonlyArray<string>): string | undefined => {
  const out: Array<string> = []
  for (const segment of segments) {
    if (segment === "" || segment === ".") continue
    if (segment !== "..") out.push(segment)
    else if (out.pop() === undefined) return undefined
  }
  return out.join("/")
}

/** What to do with one tar entry. Only regular files are kept; links are never followed. */
const planEntry = (header: TarHeader): EntryPlan => {
  const name = header.name
  if (name.startsWith("/"))
    return { _tag: "Refuse", reason: `archive entry ${name} has an absolute path` }
  const segments = name.split("/")
  if (segments.includes(".."))
    return { _tag: "Refuse", reason: `archive entry ${name} escapes the artifact root` }
  const path = resolveInside(segments) ?? ""
  const type = header.type
  if (type === "symlink" || type === "link") {
    const target = header.linkname ?? ""
    // A symlink resolves from its own directory, a hard link from the archive root.
    const base = type === "symlink" ? segments.slice(0, -1) : []
    if (target.startsWith("/") || resolveInside([...base, ...target.split("/")]) === undefined)
      return {
        _tag: "Refuse",
        reason: `archive entry ${name} links to ${target}, outside the artifact root`,
      }
    return { _tag: "Skip" }
  }
  if ((type === "file" || type === "contiguous-file") && path !== "") return { _tag: "File", path }
  return { _tag: "Skip" }
}

const utf8 = new TextDecoder("utf-8", { fatal: true })
const lossyUtf8 = new TextDecoder("utf-8")

/**
 * gunzip + untar `bytes` under `limits`. Manifests must be UTF-8; other files
 * are decoded leniently, as nothing parses them.
 */
export const unpackTarGz = (
  url: string,
  bytes: Uint8Array,
  limits: ArtifactLimits,
): Effect.Effect<ReadonlyArray<ManifestFile>, ArtifactFailed> =>
  Effect.async<ReadonlyArray<ManifestFile>, ArtifactFailed>((resume) => {
    const gunzip = createGunzip()
    const extract = tarExtract()
    const files = new Map<string, string>()
    let inflated = 0
    let extracted = 0
    let settled = false
    const stop = () => {
      gunzip.destroy()
      extract.destroy()
    }
    const fail = (message: string) => {
      if (settled) return
      settled = true
      stop()
      resume(Effect.fail(new ArtifactFailed({ url, message })))
    }

    gunzip.on("data", (chunk: Buffer) => {
      if (settled) return
      inflated += chunk.length
      if (inflated > limits.inflatedBytes)
        return fail(`inflated size exceeds ${formatBytes(limits.inflatedBytes)}`)
      // Backpressure: a slow entry consumer must not let gunzip race ahead into memory.
      if (!extract.write(chunk)) {
        gunzip.pause()
        extract.once("drain", () => gunzip.resume())
      }
    })
    gunzip.on("end", () => extract.end(undefined))
    gunzip.on("error", (error) => fail(`not a valid gzip stream: ${error.message}`))

    extract.on("entry", (header, stream, next) => {
      stream.on("error", () => {})
      if (settled) return
      const plan = planEntry(header)
      if (plan._tag === "Refuse") return fail(plan.reason)
      if (plan._tag === "Skip") {
        stream.on("end", () => next())
        stream.resume()
        return
      }
      const declared = header.size ?? 0
      if (declared > limits.entryBytes)
        return fail(`archive entry ${plan.path} exceeds ${formatBytes(limits.entryBytes)}`)
      if (extracted + declared > limits.extractedBytes)
        return fail(`extracted size exceeds ${formatBytes(limits.extractedBytes)}`)
      const chunks: Array<Buffer> = []
      let size = 0
      // The declared size was checked above, but the counts below are what bound memory.
      stream.on("data", (data) => {
        const chunk = data as Buffer
        if (settled) return
        size += chunk.length
        extracted += chunk.length
        if (size > limits.entryBytes)
          return fail(`archive entry ${plan.path} exceeds ${formatBytes(limits.entryBytes)}`)
        if (extracted > limits.extractedBytes)
          return fail(`extracted size exceeds ${formatBytes(limits.extractedBytes)}`)
        chunks.push(chunk)
      })
      stream.on("end", () => {
        if (settled) return
        const content = Buffer.concat(chunks)
        if (isManifestName(plan.path)) {
          try {
            files.set(plan.path, utf8.decode(content))
          } catch {
            return fail(`archive entry ${plan.path} is not UTF-8 text`)
          }
        } else {
          files.set(plan.path, lossyUtf8.decode(content))
        }
        next()
      })
    })
    extract.on("error", (error: Error) => fail(`not a valid tar archive: ${error.message}`))
    extract.on("finish", () => {
      if (settled) return
      settled = true
      resume(Effect.succeed([...files].map(([path, content]) => ({ path, content }))))
    })

    gunzip.end(bytes)
    return Effect.sync(stop)
  })

/** What both fetchers do with the downloaded bytes: cap, verify, unpack. */
export const checkArtifact = (
  url: string,
  bytes: Uint8Array,
  digest: string | undefined,
  limits: ArtifactLimits,
): Effect.Effect<ReadonlyArray<ManifestFile>, ArtifactFailed> =>
  bytes.length > limits.compressedBytes
    ? Effect.fail(
        new ArtifactFailed({
          url,
          message: `compressed size exceeds ${formatBytes(limits.compressedBytes)}`,
        }),
      )
    : verifyDigest(url, bytes, digest).pipe(Effect.zipRight(unpackTarGz(url, bytes, limits)))
