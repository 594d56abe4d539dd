import type { IncomingHttpHeaders } from "node:http"
import { Predicate } from "effect"
import { fromStatus, type KubeError } from "../../src/kube/KubeError.ts"

/** A `metav1.Status` as the API server sends it with every failure (and in watch ERROR events). */
export interface StatusBody {
  readonly message?: string
  readonly reason?: string
  readonly code?: number
}

/** Reads message and reason from a Status object, tolerating anything else. */
export const readStatus = (value: unknown): StatusBody => {
  if (!Predicate.isRecord(value)) return {}
  const status: { message?: string; reason?: string; code?: number } = {}
  if (typeof value.message === "string") status.message = value.message
  if (typeof value.reason === "string") status.reason = value.reason
  if (typeof value.code === "number") status.code = value.code
  return status
}

const parseStatusBody = (body: Buffer): StatusBody => {
  const text = body.toString("utf8")
  try {
    return readStatus(JSON.parse(text))
  } catch {
    // Proxies and load balancers answer in plain text or HTML; keep a readable prefix.
    const trimmed = text.trim().slice(0, 500)
    return trimmed === "" ? {} : { message: trimmed }
  }
}

/** Retry-After in seconds (the API server never sends the HTTP-date form). */
const retryAfter = (headers: IncomingHttpHeaders): number | undefined => {
  const value = headers["retry-after"]
  const seconds = typeof value === "string" ? Number.parseInt(value, 10) : Number.NaN
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined
}

/** A non-2xx response as a boundary error, through the one status mapping (`fromStatus`). */
export const errorFromResponse = (
  response: {
    readonly status: number
    readonly headers: IncomingHttpHeaders
    readonly body: Buffer
  },
  request: string,
): KubeError => {
  const status = parseStatusBody(response.body)
  const options: { reason?: string; retryAfterSeconds?: number } = {}
  if (status.reason !== undefined) options.reason = status.reason
  const seconds = retryAfter(response.headers)
  if (seconds !== undefined) options.retryAfterSeconds = seconds
  return fromStatus(response.status, status.message ?? `HTTP ${response.status}`, request, options)
}
