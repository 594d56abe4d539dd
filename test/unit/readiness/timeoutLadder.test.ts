import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import { verifyTimeout } from "../../../src/readiness/timeoutLadder.ts"

const minutes = (duration: Duration.Duration) => Duration.toMinutes(duration)

describe("verifyTimeout", () => {
  it("readyChecks.timeout > stages[].timeout > spec.timeout > 15m", () => {
    const spec = { timeout: Duration.minutes(20) }
    const stage = { timeout: Duration.minutes(5), readyChecks: { timeout: Duration.minutes(2) } }
    expect(minutes(verifyTimeout(spec, stage))).toBe(2)
    expect(minutes(verifyTimeout(spec, { timeout: Duration.minutes(5), readyChecks: {} }))).toBe(5)
    expect(minutes(verifyTimeout(spec, {}))).toBe(20)
    expect(minutes(verifyTimeout({}, {}))).toBe(15)
  })

  it("accepts undefined fields and a fallback (the controller's default)", () => {
    expect(
      minutes(
        verifyTimeout(
          { timeout: undefined },
          { timeout: undefined, readyChecks: undefined },
          "3 minutes",
        ),
      ),
    ).toBe(3)
    expect(Duration.toMillis(verifyTimeout({}, { readyChecks: { timeout: 90_000 } }))).toBe(90_000)
  })
})
