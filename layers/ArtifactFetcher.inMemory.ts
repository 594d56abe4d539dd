import { Context, Effect, Layer, Ref } from "effect"
import {
  type AllowArtifactHosts,
  noArtifactHostsAllowed,
} from "../src/artifact/AllowArtifactHosts.ts"
import { checkArtifactUrl } from "../src/artifact/artifactUrlPolicy.ts"
import { ArtifactFetcher } from "../src/programs/ArtifactFetcher.ts"
import { ArtifactFailed } from "../src/programs/errors/sourceErrors.ts"
import { checkArtifact } from "./artifact/unpackArtifact.ts"

/** Test control over the InMemory ArtifactFetcher: what each URL serves, and what was fetched. */
export class ArtifactServer extends Context.Tag("stageset/ArtifactServer")<
  ArtifactServer,
  {
    /** Serves `bytes` (a tar.gz, or anything to test refusals) at `url` from now on. */
    readonly register: (url: string, bytes: Uint8Array) => Effect.Effect<void>
    /** Makes `url` unavailable again (a 404 from source-controller). */
    readonly unregister: (url: string) => Effect.Effect<void>
    /** Every URL fetched so far, in order. */
    readonly fetched: Effect.Effect<ReadonlyArray<string>>
  }
>() {}

/**
 * A real ArtifactFetcher without the network: the bytes of a registered URL go
 * through the same caps, digest check and extraction as the Live layer's, and the URL
 * through the same scheme and IP-literal checks (host names resolve nowhere here, so
 * the Live layer's dial-time check of their addresses has no counterpart).
 */
export const makeArtifactFetcherInMemory = (
  initial: ReadonlyMap<string, Uint8Array> = new Map(),
  allowHosts: AllowArtifactHosts = noArtifactHostsAllowed,
) =>
  Effect.gen(function* () {
    const archives = yield* Ref.make<ReadonlyMap<string, Uint8Array>>(new Map(initial))
    const fetched = yield* Ref.make<ReadonlyArray<string>>([])
    const fetcher = ArtifactFetcher.of({
      fetch: (url, digest, limits) => {
        const refused = checkArtifactUrl(url, allowHosts)
        if (refused !== undefined)
          return Effect.fail(new ArtifactFailed({ url, message: refused.message }))
        return Ref.update(fetched, (urls) => [...urls, url]).pipe(
          Effect.zipRight(Ref.get(archives)),
          Effect.flatMap((served) => {
            const bytes = served.get(url)
            return bytes === undefined
              ? Effect.fail(new ArtifactFailed({ url, message: "download failed: HTTP 404" }))
              : checkArtifact(url, bytes, digest, limits)
          }),
        )
      },
    })
    const server = ArtifactServer.of({
      register: (url, bytes) => Ref.update(archives, (map) => new Map(map).set(url, bytes)),
      unregister: (url) =>
        Ref.update(archives, (map) => {
          const next = new Map(map)
          next.delete(url)
          return next
        }),
      fetched: Ref.get(fetched),
    })
    return { fetcher, server }
  })

/** Provides both the fetcher and its server (the test driver). */
export const ArtifactFetcherInMemory = (
  initial?: ReadonlyMap<string, Uint8Array>,
  allowHosts?: AllowArtifactHosts,
) =>
  Layer.effectContext(
    Effect.map(makeArtifactFetcherInMemory(initial, allowHosts), ({ fetcher, server }) =>
      Context.make(ArtifactFetcher, fetcher).pipe(Context.add(ArtifactServer, server)),
    ),
  )
