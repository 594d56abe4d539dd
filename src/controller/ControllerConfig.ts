import { Context, Duration } from "effect"

/** How the controller loop schedules work (controller flags of api.md). */
export interface ControllerConfigApi {
  /** `--concurrent`: StageSets reconciled in parallel. */
  readonly concurrent: number
  /** `--default-interval`: reconcile cadence when `spec.interval` is unset. */
  readonly defaultInterval: Duration.Duration
  /** `--watch-namespaces`: empty means every namespace. */
  readonly watchNamespaces: ReadonlyArray<string>
  /** First delay of the per-StageSet failure backoff (doubles up to `failureBackoffMax`). */
  readonly failureBackoffBase: Duration.Duration
  readonly failureBackoffMax: Duration.Duration
}

export class ControllerConfig extends Context.Tag("stageset/ControllerConfig")<
  ControllerConfig,
  ControllerConfigApi
>() {}

export const defaultControllerConfig: ControllerConfigApi = {
  concurrent: 4,
  defaultInterval: Duration.minutes(10),
  watchNamespaces: [],
  failureBackoffBase: Duration.seconds(5),
  failureBackoffMax: Duration.minutes(5),
}
