import { Context, Effect, Layer, Ref } from "effect"
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
 * through the same caps, digest check and extraction as the Live layer's.
 */
export const makeArtifactFetcherInMemory = (initial: ReadonlyMap<string, Uint8Array> = new Map()) =>
  Effect.gen(function* () {
    const archives = yield* Ref.make<ReadonlyMap<string, Uint8Array>>(new Map(initial))
    const fetched = yield* Ref.make<ReadonlyArray<string>>([])
    const fetcher = ArtifactFetcher.of({
      fetch: (url, digest, limits) =>
        Ref.update(fetched, (urls) => [...urls, url]).pipe(
          Effect.zipRight(Ref.get(archives)),
          Effect.flatMap((served) => {
            const bytes = served.get(url)
            return bytes === undefined
              ? Effect.fail(new ArtifactFailed({ url, message: "download failed: HTTP 404" }))
              : checkArtifact(url, bytes, digest, limits)
          }),
        ),
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
export const ArtifactFetcherInMemory = (initial?: ReadonlyMap<string, Uint8Array>) =>
  Layer.effectContext(
    Effect.map(makeArtifactFetcherInMemory(initial), ({ fetcher, server }) =>
      Context.make(ArtifactFetcher, fetcher).pipe(Context.add(ArtifactServer, server)),
    ),
  )
