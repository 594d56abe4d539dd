import { describe, expect, it } from "@effect/vitest"
import { Duration, Either, FastCheck, Schema } from "effect"
import { formatGoDuration, GoDuration, parseGoDuration } from "../../../../schemas/k8s/Duration.ts"

const decode = Schema.decodeUnknownEither(GoDuration)
const encode = Schema.encodeSync(GoDuration)

describe("GoDuration", () => {
  it("reads the forms users write in manifests", () => {
    const millis = (text: string) => Either.map(decode(text), Duration.toMillis)
    expect(millis("10m")).toEqual(Either.right(600_000))
    expect(millis("1h30m")).toEqual(Either.right(5_400_000))
    expect(millis("90s")).toEqual(Either.right(90_000))
    expect(millis("1m30s")).toEqual(Either.right(90_000))
    expect(millis("500ms")).toEqual(Either.right(500))
    expect(millis("1.5h")).toEqual(Either.right(5_400_000))
    expect(millis("0s")).toEqual(Either.right(0))
  })

  it("reads every unit Go's ParseDuration knows, as the Go stageset-controller does", () => {
    const millis = (text: string) => Either.map(decode(text), Duration.toMillis)
    expect(millis("1500us")).toEqual(Either.right(1.5))
    expect(millis("1500µs")).toEqual(Either.right(1.5))
    expect(millis("1500μs")).toEqual(Either.right(1.5))
    expect(millis("2000000ns")).toEqual(Either.right(2))
    expect(millis("1s250ns")).toEqual(Either.right(1000.00025))
    expect(millis(".5s")).toEqual(Either.right(500))
    expect(millis("0")).toEqual(Either.right(0))
  })

  it("refuses what Go or the CRD pattern would refuse", () => {
    for (const text of ["10 minutes", "", "10", "-1s", "1d", "1h 30m", "1ps", "1.5", "."]) {
      expect(Either.isLeft(decode(text)), text).toBe(true)
    }
    expect(parseGoDuration("10 minutes")).toEqual(
      Either.left(
        'must be a Go duration such as 90s, 10m or 1h30m (units h, m, s, ms, us, µs, ns), got "10 minutes"',
      ),
    )
  })

  it("writes the shortest canonical form", () => {
    expect(encode(Duration.seconds(90))).toBe("1m30s")
    expect(encode(Duration.hours(1))).toBe("1h")
    expect(encode(Duration.millis(3_600_500))).toBe("1h500ms")
    expect(encode(Duration.zero)).toBe("0s")
    expect(encode(Duration.millis(1.5))).toBe("1ms500us")
    expect(encode(Duration.nanos(1_000_250n))).toBe("1ms250ns")
    expect(() => encode(Duration.infinity)).toThrow(/infinite/)
  })

  it("reads back whatever it writes, down to the nanosecond", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.integer({ min: 0, max: 86_400_000_000 }), (micros) => {
        expect(parseGoDuration(formatGoDuration(micros / 1000))).toEqual(
          Either.right(micros / 1000),
        )
      }),
    )
  })

  it("reads back whatever it writes", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (millis) => {
        expect(parseGoDuration(formatGoDuration(millis))).toEqual(Either.right(millis))
      }),
    )
  })
})
