import { Data, Either, Option } from "effect"

/**
 * Where an HTTP endpoint listens, from `--metrics-bind-address` and
 * `--health-probe-bind-address`. The syntax follows controller-runtime, which operators know:
 * `host:port`, `:port` for all interfaces, `[::1]:port` for an IPv6 host, and `0` or the empty
 * string to switch the endpoint off. Port 0 inside an address (`:0`, `127.0.0.1:0`) still
 * listens, on a port the OS picks (what tests use); only the bare `0` disables.
 */
export interface BindAddress {
  /** Absent: every interface (Node listens on `::`, which accepts IPv4 too). */
  readonly host?: string
  readonly port: number
}

export class InvalidBindAddress extends Data.TaggedError("InvalidBindAddress")<{
  readonly input: string
  readonly message: string
}> {}

const invalid = (input: string, why: string) =>
  Either.left(new InvalidBindAddress({ input, message: `invalid bind address "${input}": ${why}` }))

/**
 * Parses a bind address; `Option.none()` means the endpoint is disabled. An `Either`, so flag
 * parsing can use it directly and it also runs as an Effect.
 */
export const parseBindAddress = (
  input: string,
): Either.Either<Option.Option<BindAddress>, InvalidBindAddress> => {
  const text = input.trim()
  if (text === "" || text === "0") return Either.right(Option.none())
  // The last colon separates the port, so a bracketed IPv6 host keeps its own colons.
  const colon = text.lastIndexOf(":")
  if (colon < 0) return invalid(input, "expected host:port or :port")
  let host = text.slice(0, colon)
  const portText = text.slice(colon + 1)
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1)
  else if (host.includes(":")) return invalid(input, "an IPv6 host needs brackets, e.g. [::1]:8080")
  if (!/^\d{1,5}$/.test(portText)) return invalid(input, "the port must be a number")
  const port = Number(portText)
  if (port > 65535) return invalid(input, "the port must be at most 65535")
  return Either.right(Option.some(host === "" ? { port } : { host, port }))
}

/** Renders an address back in flag syntax, for logs. */
export const formatBindAddress = (address: BindAddress): string =>
  address.host === undefined
    ? `:${address.port}`
    : address.host.includes(":")
      ? `[${address.host}]:${address.port}`
      : `${address.host}:${address.port}`
