import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Exit } from "effect"
import {
  ArtifactFetcherInMemory,
  ArtifactServer,
} from "../../../layers/ArtifactFetcher.inMemory.ts"
import { ArtifactFetcherLive } from "../../../layers/ArtifactFetcher.live.ts"
import {
  type AllowArtifactHosts,
  allowArtifactHosts,
} from "../../../src/artifact/AllowArtifactHosts.ts"
import {
  ArtifactFetcher,
  type ArtifactLimits,
  defaultArtifactLimits,
} from "../../../src/programs/ArtifactFetcher.ts"
import { sha256, type TarEntry, tarGz } from "./tarGz.ts"

const URL = "http://source-controller.flux-system.svc/gitrepository/payments/app/abc.tar.gz"

/** Serves `bytes` through the InMemory fetcher and fetches them back. */
const fetchArchive = (
  bytes: Uint8Array,
  digest: string | undefined = sha256(bytes),
  limits: ArtifactLimits = defaultArtifactLimits,
) =>
  Effect.gen(function* () {
    const server = yield* ArtifactServer
    yield* server.register(URL, bytes)
    const fetcher = yield* ArtifactFetcher
    return yield* fetcher.fetch(URL, digest, limits)
  }).pipe(Effect.provide(ArtifactFetcherInMemory()))

const failureOf = (bytes: Uint8Array, digest?: string, limits?: ArtifactLimits) =>
  fetchArchive(bytes, digest, limits).pipe(Effect.flip)

const archiveOf = (entries: ReadonlyArray<TarEntry>) => tarGz(entries)

describe("ArtifactFetcher (InMemory, same extraction as Live)", () => {
  it.effect("unpacks the regular files of a real tar.gz", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([
        { name: "./", type: "directory" },
        { name: "./deploy/", type: "directory" },
        { name: "./deploy/app.yaml", content: "kind: ConfigMap\n" },
        { name: "deploy/nested/svc.yml", content: "kind: Service\n" },
        { name: "README.md", content: "# docs" },
        { name: "deploy/link.yaml", type: "symlink", linkname: "app.yaml" },
        { name: "deploy/hard.yaml", type: "link", linkname: "deploy/app.yaml" },
      ])
      const files = yield* fetchArchive(bytes)
      expect([...files].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
        { path: "README.md", content: "# docs" },
        { path: "deploy/app.yaml", content: "kind: ConfigMap\n" },
        { path: "deploy/nested/svc.yml", content: "kind: Service\n" },
      ])
    }),
  )

  it.effect("skips the digest check when no digest is known", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "a.yaml", content: "a" }])
      expect(yield* fetchArchive(bytes, undefined)).toEqual([{ path: "a.yaml", content: "a" }])
    }),
  )

  it.effect("refuses a digest mismatch", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "a.yaml", content: "a" }])
      const wrong = sha256(Buffer.from("something else"))
      const error = yield* failureOf(bytes, wrong)
      expect(error._tag).toBe("ArtifactFailed")
      expect(error.message).toBe(`digest mismatch: expected ${wrong}, got ${sha256(bytes)}`)
    }),
  )

  it.effect("refuses an unsupported digest", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "a.yaml", content: "a" }])
      expect((yield* failureOf(bytes, "md5:abc")).message).toBe("unsupported digest md5:abc")
    }),
  )

  it.effect("stops a gzip bomb at the inflated cap", () =>
    Effect.gen(function* () {
      // 8 MiB of zeros compresses to a few KiB.
      const bytes = yield* archiveOf([
        { name: "zeros.yaml", content: new Uint8Array(8 * 1024 * 1024) },
      ])
      expect(bytes.length).toBeLessThan(64 * 1024)
      const error = yield* failureOf(bytes, undefined, {
        ...defaultArtifactLimits,
        inflatedBytes: 1024 * 1024,
      })
      expect(error.message).toBe("inflated size exceeds 1 MiB")
    }),
  )

  it.effect("refuses an entry that escapes the root with ..", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([
        { name: "ok.yaml", content: "ok" },
        { name: "../x.yaml", content: "evil" },
      ])
      expect((yield* failureOf(bytes)).message).toBe(
        "archive entry ../x.yaml escapes the artifact root",
      )
      const nested = yield* archiveOf([{ name: "deploy/../../x.yaml", content: "evil" }])
      expect((yield* failureOf(nested)).message).toMatch(/escapes the artifact root/)
    }),
  )

  it.effect("refuses an absolute path", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "/etc/evil.yaml", content: "evil" }])
      expect((yield* failureOf(bytes)).message).toBe(
        "archive entry /etc/evil.yaml has an absolute path",
      )
    }),
  )

  it.effect("refuses links that point outside the root", () =>
    Effect.gen(function* () {
      const symlink = yield* archiveOf([
        { name: "deploy/passwd", type: "symlink", linkname: "../../etc/passwd" },
      ])
      expect((yield* failureOf(symlink)).message).toBe(
        "archive entry deploy/passwd links to ../../etc/passwd, outside the artifact root",
      )
      const absolute = yield* archiveOf([
        { name: "passwd", type: "symlink", linkname: "/etc/passwd" },
      ])
      expect((yield* failureOf(absolute)).message).toMatch(/outside the artifact root/)
      const hardlink = yield* archiveOf([{ name: "a/h", type: "link", linkname: "../etc/passwd" }])
      expect((yield* failureOf(hardlink)).message).toMatch(/outside the artifact root/)
    }),
  )

  it.effect("refuses an entry over the per-entry cap", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "big.yaml", content: "x".repeat(2000) }])
      const error = yield* failureOf(bytes, undefined, {
        ...defaultArtifactLimits,
        entryBytes: 1000,
      })
      expect(error.message).toBe("archive entry big.yaml exceeds 1000 bytes")
    }),
  )

  it.effect("refuses archives whose files together exceed the extracted cap", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf(
        ["a", "b", "c"].map((name) => ({ name: `${name}.yaml`, content: "x".repeat(600) })),
      )
      const error = yield* failureOf(bytes, undefined, {
        ...defaultArtifactLimits,
        extractedBytes: 1000,
      })
      expect(error.message).toBe("extracted size exceeds 1000 bytes")
    }),
  )

  it.effect("refuses a download over the compressed cap", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "a.yaml", content: "a".repeat(10_000) }])
      const error = yield* failureOf(bytes, undefined, {
        ...defaultArtifactLimits,
        compressedBytes: 10,
      })
      expect(error.message).toBe("compressed size exceeds 10 bytes")
    }),
  )

  it.effect("refuses a manifest that is not UTF-8", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([
        { name: "logo.png", content: new Uint8Array([0x89, 0x50, 0xff]) },
        { name: "bad.yaml", content: new Uint8Array([0x61, 0xff, 0x62]) },
      ])
      expect((yield* failureOf(bytes)).message).toBe("archive entry bad.yaml is not UTF-8 text")
    }),
  )

  it.effect("refuses what is not gzip, and gzip that is not tar", () =>
    Effect.gen(function* () {
      expect((yield* failureOf(Buffer.from("plain text"))).message).toMatch(
        /^not a valid gzip stream/,
      )
      expect((yield* failureOf(gzipSync(Buffer.from("not a tar archive")))).message).toMatch(
        /^not a valid tar archive/,
      )
    }),
  )

  it.effect("applies the Live layer's scheme and IP-literal checks, and its allow list", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "a.yaml", content: "a" }])
      const loopback = "http://127.0.0.1:9090/a.tar.gz"
      const metadata = "http://169.254.169.254/a.tar.gz"
      const refused = (allow?: AllowArtifactHosts) =>
        Effect.gen(function* () {
          const server = yield* ArtifactServer
          const fetcher = yield* ArtifactFetcher
          const messages: Array<string> = []
          for (const url of [loopback, metadata, "ftp://artifacts.test/a.tar.gz"]) {
            yield* server.register(url, bytes)
            const result = yield* Effect.either(
              fetcher.fetch(url, undefined, defaultArtifactLimits),
            )
            if (Either.isLeft(result)) messages.push(result.left.message)
          }
          return messages
        }).pipe(Effect.provide(ArtifactFetcherInMemory(undefined, allow)))
      expect(yield* refused()).toEqual([
        "artifact host 127.0.0.1 resolves to 127.0.0.1, a loopback address (127.0.0.0/8); refused unless --allow-artifact-hosts names the host or the address",
        "artifact host 169.254.169.254 resolves to 169.254.169.254, a cloud metadata address (169.254.169.254/32); refused unless --allow-artifact-hosts names the host or the address",
        "artifact URL scheme ftp: is refused: only http and https are fetched",
      ])
      expect(yield* refused(allowArtifactHosts("127.0.0.1", "169.254.169.254"))).toEqual([
        "artifact URL scheme ftp: is refused: only http and https are fetched",
      ])
    }),
  )

  it.effect("an unregistered URL is a 404", () =>
    Effect.gen(function* () {
      const fetcher = yield* ArtifactFetcher
      const error = yield* Effect.flip(fetcher.fetch(URL, undefined, defaultArtifactLimits))
      expect(error.message).toBe("download failed: HTTP 404")
      expect(yield* (yield* ArtifactServer).fetched).toEqual([URL])
    }).pipe(Effect.provide(ArtifactFetcherInMemory())),
  )
})

/** A local HTTP server for the Live layer: path -> body. */
const withServer = <A, E, R>(
  routes: ReadonlyMap<string, Uint8Array>,
  use: (base: string) => Effect.Effect<A, E, R>,
  requests: Array<string> = [],
) =>
  Effect.acquireUseRelease(
    Effect.async<Server>((resume) => {
      const server = createServer((request, response) => {
        requests.push(request.url ?? "")
        const body = routes.get(request.url ?? "")
        if (body === undefined) {
          response.writeHead(404).end()
          return
        }
        response.writeHead(200, { "content-type": "application/gzip" }).end(body)
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      }),
  )

describe("ArtifactFetcher (Live, over a local HTTP server)", () => {
  it.live("downloads, verifies and unpacks", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "app.yaml", content: "kind: ConfigMap\n" }])
      yield* withServer(new Map([["/a.tar.gz", bytes]]), (base) =>
        Effect.gen(function* () {
          const fetcher = yield* ArtifactFetcher
          const files = yield* fetcher.fetch(
            `${base}/a.tar.gz`,
            sha256(bytes),
            defaultArtifactLimits,
          )
          expect(files).toEqual([{ path: "app.yaml", content: "kind: ConfigMap\n" }])
          const mismatch = yield* Effect.exit(
            fetcher.fetch(`${base}/a.tar.gz`, sha256(Buffer.from("x")), defaultArtifactLimits),
          )
          expect(Exit.isFailure(mismatch)).toBe(true)
          const missing = yield* Effect.flip(
            fetcher.fetch(`${base}/gone.tar.gz`, undefined, defaultArtifactLimits),
          )
          expect(missing.message).toBe("download failed: HTTP 404")
          const tooBig = yield* Effect.flip(
            fetcher.fetch(`${base}/a.tar.gz`, undefined, {
              ...defaultArtifactLimits,
              compressedBytes: 10,
            }),
          )
          expect(tooBig.message).toBe("compressed size exceeds 10 bytes")
        }),
      )
    }).pipe(Effect.provide(ArtifactFetcherLive({ allowHosts: allowArtifactHosts("127.0.0.1") }))),
  )
})

/** Fetches `url`, expecting a refusal; returns the message and how long the refusal took. */
const refusedFetch = (url: string) =>
  Effect.gen(function* () {
    const fetcher = yield* ArtifactFetcher
    const [elapsed, error] = yield* Effect.timed(
      Effect.flip(fetcher.fetch(url, undefined, defaultArtifactLimits)),
    )
    expect(error._tag).toBe("ArtifactFailed")
    expect(error.url).toBe(url)
    return { message: error.message, elapsed: Duration.toMillis(elapsed) }
  })

describe("ArtifactFetcher (Live): the artifact host guard", () => {
  // Retries of a transport error take 250 + 500 + 1000 ms: a refusal must not wait for them.
  const promptly = 1500

  it.live("refuses loopback and metadata addresses at once, without --allow-artifact-hosts", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "app.yaml", content: "kind: ConfigMap\n" }])
      const requests: Array<string> = []
      yield* withServer(
        new Map([["/a.tar.gz", bytes]]),
        (base) =>
          Effect.gen(function* () {
            const loopback = yield* refusedFetch(`${base}/a.tar.gz`)
            expect(loopback.message).toBe(
              "artifact host 127.0.0.1 resolves to 127.0.0.1, a loopback address (127.0.0.0/8); refused unless --allow-artifact-hosts names the host or the address",
            )
            expect(loopback.elapsed).toBeLessThan(promptly)
            const metadata = yield* refusedFetch("http://169.254.169.254/latest/meta-data/")
            expect(metadata.message).toMatch(
              /^artifact host 169\.254\.169\.254 resolves to 169\.254\.169\.254, a cloud metadata address/,
            )
            // A host name is resolved when the socket dials, and refused there.
            const port = new globalThis.URL(base).port
            const named = yield* refusedFetch(`http://localhost:${port}/a.tar.gz`)
            expect(named.message).toMatch(
              /^artifact host localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
            )
            expect(named.elapsed).toBeLessThan(promptly)
          }),
        requests,
      )
      expect(requests).toEqual([])
    }).pipe(Effect.provide(ArtifactFetcherLive())),
  )

  it.live("refuses schemes other than http and https", () =>
    Effect.gen(function* () {
      for (const url of ["file:///etc/passwd", "ftp://10.0.0.1/a.tar.gz"]) {
        const { message } = yield* refusedFetch(url)
        expect(message).toMatch(/^artifact URL scheme (file|ftp): is refused/)
      }
    }).pipe(Effect.provide(ArtifactFetcherLive({ allowHosts: allowArtifactHosts("10.0.0.1") }))),
  )

  it.live("fetches from a loopback host the allow list names, by name or by address", () =>
    Effect.gen(function* () {
      const bytes = yield* archiveOf([{ name: "app.yaml", content: "kind: ConfigMap\n" }])
      yield* withServer(new Map([["/a.tar.gz", bytes]]), (base) =>
        Effect.gen(function* () {
          const port = new globalThis.URL(base).port
          for (const allowHosts of [
            allowArtifactHosts("localhost"),
            allowArtifactHosts("127.0.0.0/8", "::1"),
          ]) {
            const files = yield* Effect.flatMap(ArtifactFetcher, (fetcher) =>
              fetcher.fetch(
                `http://localhost:${port}/a.tar.gz`,
                sha256(bytes),
                defaultArtifactLimits,
              ),
            ).pipe(Effect.provide(ArtifactFetcherLive({ allowHosts })))
            expect(files).toEqual([{ path: "app.yaml", content: "kind: ConfigMap\n" }])
          }
        }),
      )
    }),
  )
})
