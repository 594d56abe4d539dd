import { Schema } from "effect"

/**
 * Boundary errors of the API server, one per HTTP outcome the programs react to.
 * They are mapped from status codes in exactly one place (`fromStatus`).
 */

const fields = {
  message: Schema.String,
  /** The verb and path (or object key) of the failed call, for logs and conditions. */
  request: Schema.String,
}

/** 404: the object, or its kind, is not there. */
export class KubeNotFound extends Schema.TaggedError<KubeNotFound>()("KubeNotFound", fields) {}
/** 409: a resourceVersion precondition failed, the object already exists, or an apply conflict. */
export class KubeConflict extends Schema.TaggedError<KubeConflict>()("KubeConflict", {
  ...fields,
  /** `Conflict` for a stale update, `AlreadyExists` for a create of an existing object. */
  reason: Schema.String,
}) {}
/** 410: a watch or list continuation is too old; re-list. */
export class KubeGone extends Schema.TaggedError<KubeGone>()("KubeGone", fields) {}
/** 429: throttled; `retryAfterSeconds` is the server's Retry-After when it sent one. */
export class KubeTooManyRequests extends Schema.TaggedError<KubeTooManyRequests>()(
  "KubeTooManyRequests",
  { ...fields, retryAfterSeconds: Schema.optional(Schema.Number) },
) {}
/** 400, 422 or another 4xx: the server refused the request (validation, immutable field, bad patch, a verb the kind does not serve). */
export class KubeInvalid extends Schema.TaggedError<KubeInvalid>()("KubeInvalid", {
  ...fields,
  status: Schema.Number,
}) {}
/** 401 or 403: the identity may not do this. */
export class KubeForbidden extends Schema.TaggedError<KubeForbidden>()("KubeForbidden", {
  ...fields,
  status: Schema.Number,
}) {}
/** 5xx, timeouts, resets: the request may or may not have happened. */
export class KubeTransport extends Schema.TaggedError<KubeTransport>()("KubeTransport", {
  ...fields,
  status: Schema.optional(Schema.Number),
}) {}

export type KubeError =
  | KubeNotFound
  | KubeConflict
  | KubeGone
  | KubeTooManyRequests
  | KubeInvalid
  | KubeForbidden
  | KubeTransport

/** The single mapping from an HTTP status (and optional Retry-After) to a boundary error. */
export const fromStatus = (
  status: number,
  message: string,
  request: string,
  options: { readonly reason?: string; readonly retryAfterSeconds?: number } = {},
): KubeError => {
  if (status === 404) return new KubeNotFound({ message, request })
  if (status === 409)
    return new KubeConflict({ message, request, reason: options.reason ?? "Conflict" })
  if (status === 410) return new KubeGone({ message, request })
  if (status === 429)
    return options.retryAfterSeconds === undefined
      ? new KubeTooManyRequests({ message, request })
      : new KubeTooManyRequests({ message, request, retryAfterSeconds: options.retryAfterSeconds })
  if (status === 401 || status === 403) return new KubeForbidden({ message, request, status })
  // Any other 4xx (405 on a create-only kind, 406, 413, ...) is the request's fault: the
  // same request fails the same way, so it is never retried.
  if (status >= 400 && status < 500) return new KubeInvalid({ message, request, status })
  return new KubeTransport({ message, request, status })
}

/** Errors after which the same request may succeed: throttling, server errors, lost connections. */
export const isRetryable = (error: KubeError): boolean =>
  error._tag === "KubeTooManyRequests" || error._tag === "KubeTransport"
