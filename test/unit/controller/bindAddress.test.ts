import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import { formatBindAddress, parseBindAddress } from "../../../src/controller/bindAddress.ts"

const parsed = (input: string) => Either.getOrThrow(parseBindAddress(input))
const refused = (input: string) => Either.flip(parseBindAddress(input)).pipe(Either.getOrThrow)

describe("parseBindAddress", () => {
  it("`:port` listens on every interface; host:port on that host", () => {
    expect(parsed(":8080")).toEqual(Option.some({ port: 8080 }))
    expect(parsed("127.0.0.1:8081")).toEqual(Option.some({ host: "127.0.0.1", port: 8081 }))
    expect(parsed("localhost:9090")).toEqual(Option.some({ host: "localhost", port: 9090 }))
    expect(parsed("[::1]:8080")).toEqual(Option.some({ host: "::1", port: 8080 }))
    expect(parsed(" :8080 ")).toEqual(Option.some({ port: 8080 }))
  })

  it("the bare `0` and the empty string disable; port 0 in an address lets the OS pick", () => {
    expect(parsed("0")).toEqual(Option.none())
    expect(parsed("")).toEqual(Option.none())
    expect(parsed(":0")).toEqual(Option.some({ port: 0 }))
    expect(parsed("127.0.0.1:0")).toEqual(Option.some({ host: "127.0.0.1", port: 0 }))
  })

  it("refuses what is not host:port", () => {
    for (const input of ["8080", "localhost", ":http", ":70000", "::1:8080", ":", "host:-1"]) {
      const error = refused(input)
      expect(error._tag).toBe("InvalidBindAddress")
      expect(error.input).toBe(input)
      expect(error.message).toContain(`"${input}"`)
    }
  })

  it("formats back in flag syntax", () => {
    expect(formatBindAddress({ port: 8080 })).toBe(":8080")
    expect(formatBindAddress({ host: "0.0.0.0", port: 1 })).toBe("0.0.0.0:1")
    expect(formatBindAddress({ host: "::1", port: 8080 })).toBe("[::1]:8080")
  })
})
