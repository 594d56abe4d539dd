import { Data } from "effect"

/**
 * An artifact URL the fetcher will not dial: a scheme other than http(s), or a host that
 * is or resolves to a loopback, link-local, unspecified or cloud-metadata address and is
 * not named in `--allow-artifact-hosts`. It is an Error, so the dial-time DNS hook can
 * hand it to Node's socket, and the fetcher recognises it again on the other side.
 */
export class ArtifactHostRefused extends Data.TaggedError("ArtifactHostRefused")<{
  /** The URL's host (or the scheme, when that is what is refused); never the URL's path. */
  readonly host: string
  /** The address that made it refused; undefined for a refused scheme. */
  readonly address: string | undefined
  /** A sentence for the condition, naming host and address. */
  readonly message: string
}> {}
