import { Data } from "effect"

/**
 * `spec.version.fromArtifact` or `fromObject` found no usable version in what the stage's
 * source holds (no such file or object, an empty value, not a semantic version). Nothing is
 * applied; a new revision of the source is what can fix it.
 */
export class InvalidVersion extends Data.TaggedError("InvalidVersion")<{
  readonly message: string
}> {}

/** The version to roll out is below `status.version` and `spec.version.allowDowngrade` is not set. */
export class DowngradeNotAllowed extends Data.TaggedError("DowngradeNotAllowed")<{
  readonly desired: string
  readonly deployed: string
}> {
  override get message(): string {
    return `desired version ${this.desired} is below the deployed version ${this.deployed} and downgrades are not enabled; set spec.version.allowDowngrade to roll it out`
  }
}
