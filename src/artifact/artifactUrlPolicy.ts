import type { AllowArtifactHosts } from "./AllowArtifactHosts.ts"
import { ArtifactHostRefused } from "./ArtifactHostRefused.ts"
import { classifyAddress, ipFamily } from "./classifyAddress.ts"

/**
 * Checks the addresses `host` resolved to, every one of them: a name that resolves to a
 * public and a loopback address is refused, since the socket may try either. A host named
 * in the allow list passes whatever it resolves to; an address passes when it is in no
 * blocked range or the allow list holds it.
 */
export const checkResolvedAddresses = (
  host: string,
  addresses: ReadonlyArray<string>,
  allow: AllowArtifactHosts,
): ArtifactHostRefused | undefined => {
  if (allow.allowsName(host)) return undefined
  for (const address of addresses) {
    const blocked = classifyAddress(address)
    if (blocked === undefined || allow.allowsAddress(address)) continue
    return new ArtifactHostRefused({
      host,
      address,
      message: `artifact host ${host} resolves to ${address}, ${blocked.kind === "unspecified" ? "an" : "a"} ${blocked.kind} address (${blocked.range}); refused unless --allow-artifact-hosts names the host or the address`,
    })
  }
  return undefined
}

/** The URL's host without the brackets of an IPv6 literal. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1")

/**
 * What can be decided before dialling: the scheme, and a host that is an IP literal
 * (Node dials those without a DNS lookup, so the dial-time check never sees them).
 * Host names are checked when the socket resolves them (layers/artifact/guardedLookup.ts).
 * WHATWG parsing has already turned `http://2130706433/` and `http://0x7f.1/` into
 * 127.0.0.1, and the HTTP client dials the same parsed host.
 */
export const checkArtifactUrl = (
  url: string,
  allow: AllowArtifactHosts,
): ArtifactHostRefused | undefined => {
  if (!URL.canParse(url))
    return new ArtifactHostRefused({
      host: "",
      address: undefined,
      message: "artifact URL is not a valid URL",
    })
  const parsed = new URL(url)
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    return new ArtifactHostRefused({
      host: hostOf(parsed),
      address: undefined,
      message: `artifact URL scheme ${parsed.protocol} is refused: only http and https are fetched`,
    })
  const host = hostOf(parsed)
  return ipFamily(host) === undefined ? undefined : checkResolvedAddresses(host, [host], allow)
}
