import { Duration } from "effect"

/** Used when neither the stage nor the StageSet sets a timeout (api.md). */
export const DEFAULT_VERIFY_TIMEOUT: Duration.Duration = Duration.minutes(15)

type MaybeDuration = Duration.DurationInput | undefined

/**
 * The verify timeout of a stage: `readyChecks.timeout` > `stages[].timeout` >
 * `spec.timeout` > 15m (or `fallback`, e.g. a controller flag).
 */
export const verifyTimeout = (
  spec: { readonly timeout?: MaybeDuration },
  stage: {
    readonly timeout?: MaybeDuration
    readonly readyChecks?: { readonly timeout?: MaybeDuration } | undefined
  },
  fallback: Duration.DurationInput = DEFAULT_VERIFY_TIMEOUT,
): Duration.Duration =>
  Duration.decode(stage.readyChecks?.timeout ?? stage.timeout ?? spec.timeout ?? fallback)
