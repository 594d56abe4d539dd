import { Duration, Option, Predicate, Schema } from "effect"
import { GoDuration } from "../../schemas/k8s/Duration.ts"
import type { KubeObject } from "../kube/KubeObject.ts"

/** A StageSet's reconcile cadences, with the controller's default filled in. */
export interface Intervals {
  /** `spec.interval`, else `--default-interval`: the cadence after a success. */
  readonly interval: Duration.Duration
  /** `spec.retryInterval`, else the interval: the longest wait after a failure. */
  readonly retryInterval: Duration.Duration
  /**
   * The wait after a success: `spec.driftDetectionInterval` when it is shorter than the
   * interval, else the interval. Only a shorter value counts (as in the Go implementation),
   * so it can shorten the cadence to heal drift sooner but never lengthen it.
   */
  readonly readyInterval: Duration.Duration
}

const decodeDuration = Schema.decodeUnknownOption(GoDuration)

/** A cadence field of the spec, decoded by the Schema's duration type; each field on its own. */
const durationField = (
  spec: unknown,
  field: "interval" | "retryInterval" | "driftDetectionInterval",
): Duration.Duration | undefined =>
  // An unparsable value fails the reconcile with InvalidSpec; the default keeps the cadence sane.
  Option.getOrUndefined(
    Option.filter(Predicate.isRecord(spec) ? decodeDuration(spec[field]) : Option.none(), (value) =>
      Duration.greaterThan(value, Duration.zero),
    ),
  )

/** The cadences of `stageSet` (absent: the defaults). */
export const intervalsOf = (
  stageSet: KubeObject | undefined,
  defaultInterval: Duration.Duration,
): Intervals => {
  const interval = durationField(stageSet?.spec, "interval") ?? defaultInterval
  const drift = durationField(stageSet?.spec, "driftDetectionInterval")
  return {
    interval,
    retryInterval: durationField(stageSet?.spec, "retryInterval") ?? interval,
    readyInterval: drift !== undefined && Duration.lessThan(drift, interval) ? drift : interval,
  }
}

/**
 * The requeue after a failed (or crashed) reconcile: the key's rate-limited failure backoff
 * (`--failure-backoff-base` doubling per consecutive failure up to `--failure-backoff-max`),
 * but never later than `retryInterval`. So a broken StageSet is retried quickly at first,
 * then less often, and a user's `retryInterval` stays an upper bound on the wait.
 */
export const failureDelay = (backoff: Duration.Duration, intervals: Intervals): Duration.Duration =>
  Duration.min(backoff, intervals.retryInterval)
