import { Duration as D, Either, ParseResult, Schema } from "effect"

// Go's time.ParseDuration without a sign: every unit it knows (ns, us, µs, μs,
// ms, s, m, h), decimals such as 1.5h or .5s, and a bare 0. The public Go
// stageset-controller reads its durations with that function, so a manifest
// written for it must read the same here. Kept RE2-compatible because the API
// server checks it too.
const number = "([0-9]+(\\.[0-9]*)?|\\.[0-9]+)"
const unit = "(ns|us|µs|μs|ms|s|m|h)"
const goDurationPattern = new RegExp(`^(0|(${number}${unit})+)$`)
const component = new RegExp(`${number}${unit}`, "g")

const unitMillis: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ns: 1e-6,
}

const usage = "a Go duration such as 90s, 10m or 1h30m (units h, m, s, ms, us, µs, ns)"

/**
 * Parses a Go duration string such as `1h30m`, `500ms` or `250us` into milliseconds
 * (fractional below one millisecond, to the nanosecond).
 */
export const parseGoDuration = (text: string): Either.Either<number, string> => {
  if (!goDurationPattern.test(text))
    return Either.left(`must be ${usage}, got ${JSON.stringify(text)}`)
  let millis = 0
  for (const [, value, , unitName] of text.matchAll(component)) {
    millis += Number(value) * (unitMillis[unitName ?? ""] ?? Number.NaN)
  }
  return Number.isFinite(millis)
    ? Either.right(Math.round(millis * 1e6) / 1e6)
    : Either.left(`duration ${JSON.stringify(text)} is too large`)
}

/**
 * Formats milliseconds the way Go prints durations, minus the zero units Go
 * keeps (`1h30m`, not `1h30m0s`); Go's ParseDuration reads the result back.
 */
export const formatGoDuration = (millis: number): string => {
  const whole = Math.floor(millis)
  let nanos = Math.round((millis - whole) * 1e6)
  let rest = whole
  if (nanos === 1e6) {
    rest += 1
    nanos = 0
  }
  if (rest === 0 && nanos === 0) return "0s"
  let out = ""
  for (const name of ["h", "m", "s", "ms"]) {
    const size = unitMillis[name] ?? 1
    const count = Math.floor(rest / size)
    if (count > 0) out += `${count}${name}`
    rest -= count * size
  }
  const micros = Math.floor(nanos / 1_000)
  if (micros > 0) out += `${micros}us`
  if (nanos % 1_000 > 0) out += `${nanos % 1_000}ns`
  return out
}

/** The encoded side: a Go duration string, validated by the API server as well. */
export const GoDurationString = Schema.String.pipe(Schema.pattern(goDurationPattern)).annotations({
  description: "A Go duration such as 90s, 10m or 1h30m.",
  message: (issue) => ({
    message: `must be ${usage}, got ${JSON.stringify(issue.actual)}`,
    override: true,
  }),
})

/**
 * A Go duration string decoded to an effect Duration, so programs can hand it
 * straight to Schedule, Effect.timeout and TestClock. Encoding writes the
 * canonical form, which may differ from what the user typed (`90s` -> `1m30s`).
 */
export const GoDuration = Schema.transformOrFail(GoDurationString, Schema.DurationFromSelf, {
  strict: true,
  decode: (text, _, ast) =>
    Either.match(parseGoDuration(text), {
      onLeft: (message) => ParseResult.fail(new ParseResult.Type(ast, text, message)),
      onRight: (millis) => ParseResult.succeed(D.millis(millis)),
    }),
  encode: (duration, _, ast) =>
    D.isFinite(duration)
      ? ParseResult.succeed(formatGoDuration(D.toMillis(duration)))
      : ParseResult.fail(
          new ParseResult.Type(ast, duration, "an infinite duration has no Go form"),
        ),
})

export type GoDuration = typeof GoDuration.Type
