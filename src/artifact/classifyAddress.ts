import { BlockList, isIP } from "node:net"

/** Why an address is no place to download an artifact from (semantics.md section 9). */
export type BlockedKind = "cloud metadata" | "loopback" | "link-local" | "unspecified"

/** An address the artifact fetcher refuses, and the range that makes it so. */
export interface BlockedAddress {
  readonly kind: BlockedKind
  /** The range as written in the docs, e.g. `127.0.0.0/8`. */
  readonly range: string
}

interface Range {
  readonly kind: BlockedKind
  readonly network: string
  readonly prefix: number
}

/**
 * Most specific first, so 169.254.169.254 reports as cloud metadata rather than
 * link-local. Metadata services answer with node credentials: AWS, GCP, Azure
 * and OpenStack at 169.254.169.254, AWS over IPv6 at fd00:ec2::254 (a unique-local
 * address, so no wider rule covers it), Alibaba Cloud at 100.100.100.200 (inside
 * the carrier-grade NAT range, which is otherwise ordinary). 0.0.0.0/8 and `::` are
 * "this host": connecting to them reaches the node's own listeners on Linux.
 */
const RANGES: ReadonlyArray<Range> = [
  { kind: "cloud metadata", network: "169.254.169.254", prefix: 32 },
  { kind: "cloud metadata", network: "fd00:ec2::254", prefix: 128 },
  { kind: "cloud metadata", network: "100.100.100.200", prefix: 32 },
  { kind: "loopback", network: "127.0.0.0", prefix: 8 },
  { kind: "loopback", network: "::1", prefix: 128 },
  { kind: "link-local", network: "169.254.0.0", prefix: 16 },
  { kind: "link-local", network: "fe80::", prefix: 10 },
  { kind: "unspecified", network: "0.0.0.0", prefix: 8 },
  { kind: "unspecified", network: "::", prefix: 128 },
]

/** `net.BlockList` matches IPv4 rules against IPv4-mapped IPv6 (`::ffff:127.0.0.1`) too. */
const lists = RANGES.map((range) => {
  const family = isIP(range.network) === 6 ? "ipv6" : "ipv4"
  const list = new BlockList()
  list.addSubnet(range.network, range.prefix, family)
  return { range, list }
})

/** The family `net.BlockList` wants, or undefined when `address` is no IP address. */
export const ipFamily = (address: string): "ipv4" | "ipv6" | undefined => {
  const version = isIP(address)
  return version === 4 ? "ipv4" : version === 6 ? "ipv6" : undefined
}

/** The blocked range `address` (an IPv4 or IPv6 literal) falls in; undefined when none does. */
export const classifyAddress = (address: string): BlockedAddress | undefined => {
  const family = ipFamily(address)
  if (family === undefined) return undefined
  const hit = lists.find(({ list }) => list.check(address, family))
  return hit === undefined
    ? undefined
    : { kind: hit.range.kind, range: `${hit.range.network}/${hit.range.prefix}` }
}
