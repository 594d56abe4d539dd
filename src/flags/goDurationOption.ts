import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { Duration, Effect, Either } from "effect"
import { parseGoDuration } from "../../schemas/k8s/Duration.ts"

/**
 * A Go-duration flag (`90s`, `10m`, `1h30m`, `500us`) of the controller or stagesetctl; a
 * bad value is a usage error naming the flag.
 */
export const goDurationOption = (name: string, fallback: Duration.Duration, description: string) =>
  Options.text(name).pipe(
    Options.mapEffect((text) =>
      Either.match(parseGoDuration(text), {
        onLeft: (why) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--${name} ${why}`))),
        onRight: (millis) => Effect.succeed(Duration.millis(millis)),
      }),
    ),
    Options.withDefault(fallback),
    Options.withDescription(description),
  )
