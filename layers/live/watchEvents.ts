import type { IncomingMessage } from "node:http"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, Option, Predicate, Stream } from "effect"
import { fromStatus, type KubeError, KubeTransport } from "../../src/kube/KubeError.ts"
import type { KubeObject, WatchEvent } from "../../src/kube/KubeObject.ts"
import { readStatus } from "./errorFromResponse.ts"

/** Lists omit apiVersion/kind on their items; the controller needs them on every object. */
export const withTypeMeta = (
  value: unknown,
  apiVersion: string,
  kind: string,
): KubeObject | undefined => {
  if (!Predicate.isRecord(value) || !Predicate.isRecord(value.metadata)) return undefined
  return {
    ...value,
    apiVersion: typeof value.apiVersion === "string" ? value.apiVersion : apiVersion,
    kind: typeof value.kind === "string" ? value.kind : kind,
  } as KubeObject
}

/**
 * An item of a metadata-only list or watch (`as=PartialObjectMetadata`) as an object of the
 * kind asked for: the server types it `meta.k8s.io/v1 PartialObjectMetadata`.
 */
export const metadataAs = (
  value: unknown,
  apiVersion: string,
  kind: string,
): KubeObject | undefined =>
  Predicate.isRecord(value) && Predicate.isRecord(value.metadata)
    ? ({ apiVersion, kind, metadata: value.metadata } as unknown as KubeObject)
    : undefined

/** `Accept` of a metadata-only list, and of a metadata-only watch (whose events carry one object). */
export const METADATA_LIST_ACCEPT =
  "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
export const METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"

type Shape = (value: unknown, apiVersion: string, kind: string) => KubeObject | undefined

const decodeEvent = (
  line: string,
  request: string,
  typeMeta: { readonly apiVersion: string; readonly kind: string },
  shape: Shape,
): Effect.Effect<Option.Option<WatchEvent>, KubeError> => {
  const malformed = () =>
    new KubeTransport({ message: `malformed watch event: ${line.slice(0, 200)}`, request })
  return Effect.try({ try: () => JSON.parse(line) as unknown, catch: malformed }).pipe(
    Effect.flatMap((event) => {
      if (!Predicate.isRecord(event)) return Effect.fail(malformed())
      const { type } = event
      if (type === "ERROR") {
        // The server ends a watch it cannot serve with a Status: 410 Expired for a too old resourceVersion.
        const status = readStatus(event.object)
        const options = status.reason === undefined ? {} : { reason: status.reason }
        return Effect.fail(
          fromStatus(status.code ?? 500, status.message ?? "watch error", request, options),
        )
      }
      if (type === "BOOKMARK") {
        const object = event.object
        const rv =
          Predicate.isRecord(object) && Predicate.isRecord(object.metadata)
            ? object.metadata.resourceVersion
            : undefined
        return typeof rv === "string"
          ? Effect.succeed(Option.some<WatchEvent>({ type: "BOOKMARK", resourceVersion: rv }))
          : Effect.fail(malformed())
      }
      if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") {
        const object = shape(event.object, typeMeta.apiVersion, typeMeta.kind)
        return object === undefined
          ? Effect.fail(malformed())
          : Effect.succeed(Option.some<WatchEvent>({ type, object }))
      }
      // Event types added by future servers are not ours to interpret.
      return Effect.succeed(Option.none())
    }),
  )
}

/** The newline-delimited JSON body of a watch as events; ends when the server closes the response. */
export const watchEvents = (
  response: IncomingMessage,
  request: string,
  typeMeta: { readonly apiVersion: string; readonly kind: string },
  metadataOnly = false,
): Stream.Stream<WatchEvent, KubeError> =>
  // Pull-based with backpressure, and destroys the response when the stream ends or is
  // interrupted (Stream.fromAsyncIterable would wait for the next chunk before it lets go).
  NodeStream.fromReadable<KubeTransport, Uint8Array>(
    () => response,
    (cause) =>
      new KubeTransport({
        message: `watch interrupted: ${cause instanceof Error ? cause.message : String(cause)}`,
        request,
      }),
  ).pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.filter((line) => line.trim() !== ""),
    Stream.mapEffect((line) =>
      decodeEvent(line, request, typeMeta, metadataOnly ? metadataAs : withTypeMeta),
    ),
    Stream.filterMap((event) => event),
  )
