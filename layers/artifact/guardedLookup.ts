import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns"
import type { LookupFunction } from "node:net"
import type { AllowArtifactHosts } from "../../src/artifact/AllowArtifactHosts.ts"
import { checkResolvedAddresses } from "../../src/artifact/artifactUrlPolicy.ts"

/** Resolves every address of a host name, as `dns.lookup` with `all: true` does. */
export type ResolveAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: Array<LookupAddress>) => void,
) => void

/**
 * The `lookup` of the artifact fetcher's HTTP agents: the socket calls it for the host
 * name it is about to connect to, and connects to exactly what it returns. Checking the
 * addresses here, rather than resolving once before the request, leaves no window in
 * which a DNS answer can change between the check and the connect (DNS rebinding).
 * Every address is checked, not only the first, because with happy eyeballs the socket
 * may try any of them. A refusal is an ArtifactHostRefused, which surfaces as the
 * request's error.
 */
export const guardedLookup =
  (allow: AllowArtifactHosts, resolve: ResolveAll = dnsLookup): LookupFunction =>
  (hostname, options, callback) =>
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, "")
      const refused = checkResolvedAddresses(
        hostname,
        addresses.map((a) => a.address),
        allow,
      )
      if (refused !== undefined) return callback(refused, "")
      // Node asks for all addresses when it races them (autoSelectFamily), else for one.
      if (options.all === true) return callback(null, addresses)
      const first = addresses[0]
      if (first === undefined) {
        const none: NodeJS.ErrnoException = new Error(`no address for ${hostname}`)
        none.code = "ENOTFOUND"
        return callback(none, "")
      }
      return callback(null, first.address, first.family)
    })
