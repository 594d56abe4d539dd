import { Data } from "effect"

/**
 * A `spec.dependsOn` StageSet is missing, not Ready, not Ready at its current generation or
 * below `minVersion`. Nothing is applied or pruned; the StageSet waits (it is woken when the
 * dependency's status changes, and retried on its retryInterval).
 */
export class DependencyNotReady extends Data.TaggedError("DependencyNotReady")<{
  /** Names the dependency and why, e.g. `dependency infra/platform is not Ready (StageFailed)`. */
  readonly message: string
}> {}

/** `spec.dependsOn` leads back to this StageSet: it can never run until a spec changes. */
export class DependencyCycle extends Data.TaggedError("DependencyCycle")<{
  /** `namespace/name` of each StageSet on the cycle, starting and ending with this one. */
  readonly cycle: ReadonlyArray<string>
}> {
  override get message(): string {
    return `spec.dependsOn forms a cycle: ${this.cycle.join(" -> ")}`
  }
}
