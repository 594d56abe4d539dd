import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  allowArtifactHosts,
  noArtifactHostsAllowed,
  parseAllowArtifactHosts,
} from "../../../src/artifact/AllowArtifactHosts.ts"
import {
  checkArtifactUrl,
  checkResolvedAddresses,
} from "../../../src/artifact/artifactUrlPolicy.ts"

const refusal = (url: string, allow = noArtifactHostsAllowed) => checkArtifactUrl(url, allow)

describe("checkArtifactUrl", () => {
  it("passes http(s) URLs on host names and ordinary addresses (names are checked at dial time)", () => {
    for (const url of [
      "http://source-controller.flux-system.svc.cluster.local./gitrepository/a/b/c.tar.gz",
      "https://artifacts.example/x.tar.gz",
      "http://10.96.0.12/x.tar.gz",
      "http://[2001:db8::1]:9090/x.tar.gz",
      "http://localhost/x.tar.gz",
    ])
      expect(refusal(url), url).toBeUndefined()
  })

  it.each(["file:///etc/passwd", "ftp://10.0.0.1/x.tar.gz", "gopher://10.0.0.1/", "data:,x"])(
    "refuses the scheme of %s",
    (url) => {
      expect(refusal(url)?.message).toMatch(
        /^artifact URL scheme [a-z]+: is refused: only http and https are fetched$/,
      )
    },
  )

  it("refuses what is no URL", () => {
    expect(refusal("not a url")?.message).toBe("artifact URL is not a valid URL")
  })

  it.each([
    ["http://127.0.0.1:8080/a.tar.gz", "127.0.0.1", "a loopback address (127.0.0.0/8)"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254", "a cloud metadata address"],
    ["http://[::1]/a.tar.gz", "::1", "a loopback address (::1/128)"],
    ["http://[::ffff:127.0.0.1]/a.tar.gz", "::ffff:7f00:1", "a loopback address"],
    ["http://[fe80::1]/a.tar.gz", "fe80::1", "a link-local address (fe80::/10)"],
    ["http://0.0.0.0:9090/a.tar.gz", "0.0.0.0", "an unspecified"],
    ["http://[::]/a.tar.gz", "::", "an unspecified"],
    // WHATWG parsing normalises these to 127.0.0.1 before anything dials.
    ["http://2130706433/a.tar.gz", "127.0.0.1", "a loopback address"],
    ["http://0x7f.1/a.tar.gz", "127.0.0.1", "a loopback address"],
  ])("refuses the IP literal of %s, naming host and address", (url, host, what) => {
    const refused = refusal(url)
    expect(refused?.host).toBe(host)
    expect(refused?.address).toBe(host)
    expect(refused?.message).toContain(`artifact host ${host} resolves to ${host},`)
    expect(refused?.message).toContain(what)
    expect(refused?.message).toContain("--allow-artifact-hosts")
  })

  it("lets an allowed address or range through, and nothing else", () => {
    const allow = allowArtifactHosts("127.0.0.1", "169.254.169.254", "fe80::/16")
    expect(refusal("http://127.0.0.1:8080/a.tar.gz", allow)).toBeUndefined()
    expect(refusal("http://[::ffff:127.0.0.1]/a.tar.gz", allow)).toBeUndefined()
    expect(refusal("http://169.254.169.254/a.tar.gz", allow)).toBeUndefined()
    expect(refusal("http://[fe80::1]/a.tar.gz", allow)).toBeUndefined()
    expect(refusal("http://127.0.0.2/a.tar.gz", allow)?.address).toBe("127.0.0.2")
    expect(refusal("http://169.254.1.1/a.tar.gz", allow)?.address).toBe("169.254.1.1")
    expect(refusal("ftp://127.0.0.1/a.tar.gz", allow)).toBeDefined()
  })
})

describe("checkResolvedAddresses", () => {
  it("refuses a name when any one of its addresses is blocked", () => {
    const refused = checkResolvedAddresses(
      "rebind.example",
      ["203.0.113.7", "127.0.0.1"],
      noArtifactHostsAllowed,
    )
    expect(refused?.message).toBe(
      "artifact host rebind.example resolves to 127.0.0.1, a loopback address (127.0.0.0/8); refused unless --allow-artifact-hosts names the host or the address",
    )
    expect(
      checkResolvedAddresses("ok.example", ["203.0.113.7", "10.0.0.1"], noArtifactHostsAllowed),
    ).toBeUndefined()
  })

  it("lets a listed name through wherever it resolves, in any case and with a trailing dot", () => {
    const allow = allowArtifactHosts("Artifacts.Test.")
    expect(checkResolvedAddresses("artifacts.test", ["127.0.0.1"], allow)).toBeUndefined()
    expect(checkResolvedAddresses("ARTIFACTS.test.", ["::1"], allow)).toBeUndefined()
    expect(checkResolvedAddresses("other.test", ["127.0.0.1"], allow)).toBeDefined()
  })
})

describe("parseAllowArtifactHosts", () => {
  it("takes host names, IPv4 and IPv6 addresses and CIDR ranges, skipping empty entries", () => {
    const parsed = Either.getOrThrow(
      parseAllowArtifactHosts([
        "localhost",
        " 127.0.0.1 ",
        "",
        "10.0.0.0/8",
        "::1",
        "[fd00:ec2::254]",
        "fe80::/10",
      ]),
    )
    expect(parsed.entries).toEqual([
      "localhost",
      "127.0.0.1/32",
      "10.0.0.0/8",
      "::1/128",
      "fd00:ec2::254/128",
      "fe80::/10",
    ])
    expect(parsed.allowsName("LOCALHOST")).toBe(true)
    expect(parsed.allowsAddress("10.1.2.3")).toBe(true)
    expect(parsed.allowsAddress("::ffff:127.0.0.1")).toBe(true)
    expect(parsed.allowsAddress("127.0.0.2")).toBe(false)
  })

  it.each([
    ["10.0.0.0/33", '"10.0.0.0/33" has no valid prefix length (0 to 32)'],
    ["::1/129", '"::1/129" has no valid prefix length (0 to 128)'],
    ["10.0.0.0/", '"10.0.0.0/" has no valid prefix length (0 to 32)'],
    ["http://127.0.0.1", '"http://127.0.0.1" is not a host name, an IP address or a CIDR range'],
    ["*.example", '"*.example" is not a host name, an IP address or a CIDR range'],
    ["host:8080", '"host:8080" is not a host name, an IP address or a CIDR range'],
    ["name/24", '"name/24" is not a host name, an IP address or a CIDR range'],
  ])("refuses %s, naming it", (entry, message) => {
    expect(parseAllowArtifactHosts(["localhost", entry])).toEqual(Either.left(message))
  })
})
