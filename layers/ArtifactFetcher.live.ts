import { HttpClient, type HttpClientError } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Duration, Effect, Layer, Schedule, Stream } from "effect"
import {
  type AllowArtifactHosts,
  noArtifactHostsAllowed,
} from "../src/artifact/AllowArtifactHosts.ts"
import { ArtifactHostRefused } from "../src/artifact/ArtifactHostRefused.ts"
import { checkArtifactUrl } from "../src/artifact/artifactUrlPolicy.ts"
import { ArtifactFetcher, type ArtifactLimits } from "../src/programs/ArtifactFetcher.ts"
import { ArtifactFailed } from "../src/programs/errors/sourceErrors.ts"
import { guardedLookup } from "./artifact/guardedLookup.ts"
import { checkArtifact, formatBytes } from "./artifact/unpackArtifact.ts"

export interface ArtifactFetcherLiveOptions {
  /** Bound on one whole download (all retries included). Default 2 minutes. */
  readonly timeout?: Duration.DurationInput
  /**
   * `--allow-artifact-hosts`: hosts and addresses that may be dialled although they are
   * loopback, link-local, unspecified or metadata addresses. Default: none.
   */
  readonly allowHosts?: AllowArtifactHosts
}

/** Retries of one download on transient HTTP outcomes (connection errors, 408, 429, 5xx). */
export const artifactDownloadRetry = Schedule.exponential("250 millis").pipe(
  Schedule.intersect(Schedule.recurs(3)),
)

const describeHttpError = (error: HttpClientError.HttpClientError): string =>
  error._tag === "ResponseError" && error.reason === "StatusCode"
    ? `download failed: HTTP ${error.response.status}`
    : `download failed: ${error.message}`

/** Reads the body, refusing to hold more than the compressed cap even when Content-Length lies or is absent. */
const download = (
  client: HttpClient.HttpClient.With<HttpClientError.HttpClientError | ArtifactHostRefused>,
  url: string,
  limits: ArtifactLimits,
) =>
  client.get(url).pipe(
    Effect.flatMap((response) => {
      const tooBig = new ArtifactFailed({
        url,
        message: `compressed size exceeds ${formatBytes(limits.compressedBytes)}`,
      })
      if (Number(response.headers["content-length"] ?? 0) > limits.compressedBytes)
        return Effect.fail(tooBig)
      const chunks: Array<Uint8Array> = []
      let size = 0
      return response.stream.pipe(
        Stream.runForEach((chunk) => {
          size += chunk.length
          if (size > limits.compressedBytes) return Effect.fail(tooBig)
          chunks.push(chunk)
          return Effect.void
        }),
        Effect.map(() => Buffer.concat(chunks)),
      )
    }),
    Effect.catchTag("RequestError", "ResponseError", (error) =>
      Effect.fail(new ArtifactFailed({ url, message: describeHttpError(error) })),
    ),
    Effect.catchTag("ArtifactHostRefused", (refused) =>
      Effect.fail(new ArtifactFailed({ url, message: refused.message })),
    ),
  )

/**
 * A refusal from the dial-time lookup arrives as a transport error, which the retry
 * below would take for a network hiccup; unwrapped first, it fails the fetch at once.
 */
const refusalOf = (error: HttpClientError.HttpClientError) =>
  error._tag === "RequestError" && error.cause instanceof ArtifactHostRefused
    ? error.cause
    : undefined

/**
 * An ArtifactFetcher over HTTP; source-controller serves artifacts over plain HTTP inside
 * the cluster. The client must dial through `guardedLookup` (ArtifactFetcherLive does).
 * Redirects are not followed (a 3xx is a failed download), so a redirect cannot lead
 * past the address checks either.
 */
const makeArtifactFetcherLive = (options: ArtifactFetcherLiveOptions) =>
  Effect.gen(function* () {
    const allow = options.allowHosts ?? noArtifactHostsAllowed
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.filterStatusOk,
      HttpClient.transformResponse(
        Effect.catchIf(
          (error): error is HttpClientError.RequestError => refusalOf(error) !== undefined,
          (error) => Effect.fail(refusalOf(error)!),
        ),
      ),
      HttpClient.retryTransient({ schedule: artifactDownloadRetry }),
    )
    const timeout = Duration.decode(options.timeout ?? "2 minutes")
    return ArtifactFetcher.of({
      fetch: (url, digest, limits) => {
        const refused = checkArtifactUrl(url, allow)
        if (refused !== undefined)
          return Effect.fail(new ArtifactFailed({ url, message: refused.message }))
        return download(client, url, limits).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () =>
              new ArtifactFailed({
                url,
                message: `download timed out after ${Duration.format(timeout)}`,
              }),
          }),
          Effect.flatMap((bytes) => checkArtifact(url, bytes, digest, limits)),
          Effect.withSpan("ArtifactFetcher.fetch", { attributes: { url } }),
        )
      },
    })
  })

/**
 * The Live layer with Node's HTTP client, over agents of its own whose DNS lookup refuses
 * what `--allow-artifact-hosts` does not let through (layers/artifact/guardedLookup.ts).
 */
export const ArtifactFetcherLive = (options: ArtifactFetcherLiveOptions = {}) =>
  Layer.effect(ArtifactFetcher, makeArtifactFetcherLive(options)).pipe(
    Layer.provide(NodeHttpClient.layerWithoutAgent),
    Layer.provide(
      NodeHttpClient.makeAgentLayer({
        lookup: guardedLookup(options.allowHosts ?? noArtifactHostsAllowed),
      }),
    ),
  )
