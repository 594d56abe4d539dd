import { BlockList, isIP } from "node:net"
import { Either } from "effect"
import { ipFamily } from "./classifyAddress.ts"

/**
 * `--allow-artifact-hosts`, parsed: host names whose artifacts are fetched wherever
 * they resolve, and addresses and CIDR ranges that may be dialled although they are
 * loopback, link-local, unspecified or metadata addresses.
 */
export interface AllowArtifactHosts {
  /** The entries as given (normalised), for logs and tests. */
  readonly entries: ReadonlyArray<string>
  /** Whether a URL's host name is listed by name. */
  readonly allowsName: (host: string) => boolean
  /** Whether an address is listed, alone or in a range. */
  readonly allowsAddress: (address: string) => boolean
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** Lower case without a trailing dot: `Source.Example.` and `source.example` are one host. */
export const normalizeHostName = (host: string): string => host.toLowerCase().replace(/\.$/, "")

const isHostName = (name: string) =>
  name.length > 0 &&
  name.length <= 253 &&
  name.split(".").every((label) => label.length <= 63 && DNS_LABEL.test(label))

type Entry =
  | { readonly _tag: "Name"; readonly name: string }
  | { readonly _tag: "Subnet"; readonly network: string; readonly prefix: number }

const parseEntry = (raw: string): Either.Either<Entry, string> => {
  const text = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw
  const slash = text.indexOf("/")
  const network = slash < 0 ? text : text.slice(0, slash)
  const family = ipFamily(network)
  if (family !== undefined) {
    const bits = family === "ipv4" ? 32 : 128
    const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1)
    const prefix = Number(prefixText)
    return /^\d{1,3}$/.test(prefixText) && prefix <= bits
      ? Either.right({ _tag: "Subnet", network, prefix })
      : Either.left(`${JSON.stringify(raw)} has no valid prefix length (0 to ${bits})`)
  }
  const name = normalizeHostName(text)
  return slash < 0 && isHostName(name)
    ? Either.right({ _tag: "Name", name })
    : Either.left(`${JSON.stringify(raw)} is not a host name, an IP address or a CIDR range`)
}

/**
 * Parses the comma-separated entries of `--allow-artifact-hosts` (empty entries are
 * skipped). The Left names the first entry that is neither a host name, an IP address
 * nor a CIDR range.
 */
export const parseAllowArtifactHosts = (
  entries: ReadonlyArray<string>,
): Either.Either<AllowArtifactHosts, string> =>
  Either.gen(function* () {
    const names = new Set<string>()
    const subnets = new BlockList()
    const normalized: Array<string> = []
    for (const raw of entries.map((e) => e.trim()).filter((e) => e !== "")) {
      const entry = yield* parseEntry(raw)
      if (entry._tag === "Name") {
        names.add(entry.name)
        normalized.push(entry.name)
      } else {
        const family = isIP(entry.network) === 6 ? "ipv6" : "ipv4"
        subnets.addSubnet(entry.network, entry.prefix, family)
        normalized.push(`${entry.network}/${entry.prefix}`)
      }
    }
    return {
      entries: normalized,
      allowsName: (host) => names.has(normalizeHostName(host)),
      allowsAddress: (address) => {
        const family = ipFamily(address)
        return family !== undefined && subnets.check(address, family)
      },
    } satisfies AllowArtifactHosts
  })

/** No exceptions: the default, and what production runs with unless told otherwise. */
export const noArtifactHostsAllowed: AllowArtifactHosts = Either.getOrThrow(
  parseAllowArtifactHosts([]),
)

/**
 * For entries fixed in code (tests, harnesses): a bad entry is a bug, so it throws.
 * User input goes through `parseAllowArtifactHosts`.
 */
export const allowArtifactHosts = (...entries: ReadonlyArray<string>): AllowArtifactHosts =>
  Either.getOrThrowWith(parseAllowArtifactHosts(entries), (why) => new Error(why))
