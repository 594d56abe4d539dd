import { Duration as D, Either, ParseResult, Schema } from "effect"

// The subset of Go's time.ParseDuration that makes sense for reconcile
// cadences and timeouts (the same one Flux accepts): no sign, no sub-millisecond
// units. Kept RE2-compatible because the API server checks it too.
const goDurationPattern = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/

const unitMillis: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 }

/** Parses a Go duration string such as `1h30m` or `500ms` into milliseconds. */
export const parseGoDuration = (text: string): Either.Either<number, string> => {
  if (!goDurationPattern.test(text)) {
    return Either.left(
      `must be a Go duration such as 90s, 10m or 1h30m (units h, m, s, ms), got ${JSON.stringify(text)}`,
    )
  }
  let millis = 0
  for (const [, value, , unit] of text.matchAll(/([0-9]+(\.[0-9]+)?)(ms|s|m|h)/g)) {
    millis += Number(value) * (unitMillis[unit ?? ""] ?? Number.NaN)
  }
  return Number.isFinite(millis)
    ? Either.right(Math.round(millis))
    : Either.left(`duration ${JSON.stringify(text)} is too large`)
}

/**
 * Formats milliseconds the way Go prints durations, minus the zero units Go
 * keeps (`1h30m`, not `1h30m0s`); Go's ParseDuration reads the result back.
 */
export const formatGoDuration = (millis: number): string => {
  let rest = Math.round(millis)
  if (rest === 0) return "0s"
  let out = ""
  for (const unit of ["h", "m", "s", "ms"]) {
    const size = unitMillis[unit] ?? 1
    const count = Math.floor(rest / size)
    if (count > 0) out += `${count}${unit}`
    rest -= count * size
  }
  return out
}

/** The encoded side: a Go duration string, validated by the API server as well. */
export const GoDurationString = Schema.String.pipe(Schema.pattern(goDurationPattern)).annotations({
  description: "A Go duration such as 90s, 10m or 1h30m.",
  message: (issue) => ({
    message: `must be a Go duration such as 90s, 10m or 1h30m (units h, m, s, ms), got ${JSON.stringify(issue.actual)}`,
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
