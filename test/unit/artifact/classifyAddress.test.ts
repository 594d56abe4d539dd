import { describe, expect, it } from "@effect/vitest"
import { classifyAddress } from "../../../src/artifact/classifyAddress.ts"

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback", "127.0.0.0/8"],
    ["127.255.255.254", "loopback", "127.0.0.0/8"],
    ["::1", "loopback", "::1/128"],
    ["0:0:0:0:0:0:0:1", "loopback", "::1/128"],
    ["169.254.0.1", "link-local", "169.254.0.0/16"],
    ["169.254.170.2", "link-local", "169.254.0.0/16"],
    ["fe80::1", "link-local", "fe80::/10"],
    ["febf:ffff::1", "link-local", "fe80::/10"],
    ["169.254.169.254", "cloud metadata", "169.254.169.254/32"],
    ["fd00:ec2::254", "cloud metadata", "fd00:ec2::254/128"],
    ["100.100.100.200", "cloud metadata", "100.100.100.200/32"],
    ["0.0.0.0", "unspecified", "0.0.0.0/8"],
    ["0.1.2.3", "unspecified", "0.0.0.0/8"],
    ["::", "unspecified", "::/128"],
  ])("%s is %s", (address, kind, range) => {
    expect(classifyAddress(address)).toEqual({ kind, range })
  })

  // An IPv4 address written as IPv6 reaches the same IPv4 host: the dual-stack socket
  // connects to 127.0.0.1 for ::ffff:127.0.0.1.
  it.each([
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "cloud metadata"],
    ["::ffff:a9fe:1", "link-local"],
    ["::ffff:0.0.0.0", "unspecified"],
  ])("the IPv4-mapped %s is %s", (address, kind) => {
    expect(classifyAddress(address)?.kind).toBe(kind)
  })

  it.each([
    "10.0.0.1",
    "192.168.1.10",
    "172.16.0.1",
    "100.64.0.1",
    "169.255.0.1",
    "128.0.0.1",
    "1.1.1.1",
    "fec0::1",
    "fd00:ec2::253",
    "2001:db8::1",
    "::ffff:10.0.0.1",
    "::2",
  ])("%s is an ordinary address", (address) => {
    expect(classifyAddress(address)).toBeUndefined()
  })

  it("is undefined for what is no IP address", () => {
    expect(classifyAddress("localhost")).toBeUndefined()
    expect(classifyAddress("127.0.0.1.nip.example")).toBeUndefined()
  })
})
