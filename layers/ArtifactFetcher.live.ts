import { HttpClient, type HttpClientError } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Duration, Effect, Layer, Schedule, Stream } from "effect"
import { ArtifactFetcher, type ArtifactLimits } from "../src/programs/ArtifactFetcher.ts"
import { ArtifactFailed } from "../src/programs/errors/sourceErrors.ts"
import { checkArtifact, formatBytes } from "./artifact/unpackArtifact.ts"

export interface ArtifactFetcherLiveOptions {
  /** Bound on one whole download (all retries included). Default 2 minutes. */
  readonly timeout?: Duration.DurationInput
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
const download = (client: HttpClient.HttpClient, url: string, limits: ArtifactLimits) =>
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
  )

/** An ArtifactFetcher over HTTP; source-controller serves artifacts over plain HTTP inside the cluster. */
export const makeArtifactFetcherLive = (options: ArtifactFetcherLiveOptions = {}) =>
  Effect.gen(function* () {
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.filterStatusOk,
      HttpClient.retryTransient({ schedule: artifactDownloadRetry }),
    )
    const timeout = Duration.decode(options.timeout ?? "2 minutes")
    return ArtifactFetcher.of({
      fetch: (url, digest, limits) =>
        download(client, url, limits).pipe(
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
        ),
    })
  })

/** The Live layer over any HttpClient (tests can hand it a mock client). */
export const ArtifactFetcherLiveWithoutClient = (options: ArtifactFetcherLiveOptions = {}) =>
  Layer.effect(ArtifactFetcher, makeArtifactFetcherLive(options))

/** The Live layer with Node's HTTP client. */
export const ArtifactFetcherLive = (options: ArtifactFetcherLiveOptions = {}) =>
  ArtifactFetcherLiveWithoutClient(options).pipe(Layer.provide(NodeHttpClient.layerUndici))
