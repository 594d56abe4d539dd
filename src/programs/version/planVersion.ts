import { Either } from "effect"
import { InvalidSpec } from "../errors/InvalidSpec.ts"
import { DowngradeNotAllowed, InvalidVersion } from "../errors/versionErrors.ts"
import type { RenderedStage } from "../RenderedStage.ts"
import type { StageSetView } from "../StageSetView.ts"
import { versionFromFile, versionFromObject } from "./readVersion.ts"
import { parseVersion, versionBelow } from "./semanticVersion.ts"

export type VersionProblem = InvalidSpec | InvalidVersion | DowngradeNotAllowed

const invalidSpec = (message: string) => Either.left(new InvalidSpec({ message }))

/** A value read from a source, cut for a message: a version file may hold anything. */
const shown = (text: string) => (text.length > 64 ? `${text.slice(0, 64)}…` : text)

/** The text `spec.version` names for this run, before it is checked to be a version. */
const readDesired = (
  view: StageSetView,
  rendered: ReadonlyArray<RenderedStage>,
): Either.Either<{ text: string; field: string }, InvalidSpec | InvalidVersion> => {
  const source = view.version!
  const set = [source.value, source.fromObject, source.fromArtifact].filter((s) => s !== undefined)
  if (set.length !== 1)
    return invalidSpec(
      `spec.version: set exactly one of value, fromObject and fromArtifact (${set.length} are set)`,
    )
  if (source.value !== undefined)
    return Either.right({ text: source.value, field: "spec.version.value" })
  const stageOf = (name: string) => rendered.find((r) => r.stage.name === name)
  if (source.fromObject !== undefined) {
    const ref = source.fromObject
    // Unset: the first stage, which carries a new version first.
    const stage = ref.stage === undefined ? rendered[0] : stageOf(ref.stage)
    if (stage === undefined)
      return invalidSpec(`spec.version.fromObject.stage: ${ref.stage} is not a stage`)
    if (ref.kind === "Secret")
      return invalidSpec(
        "spec.version.fromObject: a Secret's content is never copied into status; name another object",
      )
    return Either.flatMap(
      versionFromObject(
        stage.members.map((m) => m.object),
        ref,
        stage.stage.name,
      ),
      (text) =>
        (stage.secret ?? []).includes(text)
          ? Either.left(
              new InvalidVersion({
                message: `the version of ${ref.kind} ${ref.name} in stage ${stage.stage.name} is substituted from a Secret (postBuild), whose content is never copied into status`,
              }),
            )
          : Either.right({ text, field: "spec.version.fromObject" }),
    )
  }
  const ref = source.fromArtifact!
  const stage = stageOf(ref.stage)
  if (stage === undefined)
    return invalidSpec(`spec.version.fromArtifact.stage: ${ref.stage} is not a stage`)
  if (stage.versionFiles === undefined)
    return invalidSpec(
      `spec.version.fromArtifact.stage: stage ${ref.stage} reads a Secret, whose content is never copied into status`,
    )
  return Either.map(versionFromFile(stage.versionFiles, ref.path, ref.stage), (text) => ({
    text,
    field: `spec.version.fromArtifact (${ref.path} in stage ${ref.stage})`,
  }))
}

/**
 * The version this run rolls out (undefined without `spec.version`), as the Go
 * implementation resolves it before any stage runs: read from the spec, a rendered object
 * or a file of a stage's source, trimmed; it must be a semantic version. Below the deployed
 * `status.version` it is refused unless `allowDowngrade` is set (there are no migrations to
 * unwind here, so an allowed downgrade just rolls out and lowers the version). A
 * `status.version` that is not a version is treated as absent: the controller wrote it and
 * overwrites it.
 */
export const planVersion = (
  view: StageSetView,
  rendered: ReadonlyArray<RenderedStage>,
): Either.Either<string | undefined, VersionProblem> => {
  if (view.version === undefined) return Either.right(undefined)
  const allowDowngrade = view.version.allowDowngrade === true
  return Either.flatMap(
    readDesired(view, rendered),
    ({ text, field }): Either.Either<string, VersionProblem> => {
      const desired = text.trim()
      const parsed = parseVersion(desired)
      if (parsed === undefined)
        return Either.left(
          field === "spec.version.value"
            ? new InvalidSpec({
                message: `spec.version.value: "${desired}" is not a semantic version`,
              })
            : new InvalidVersion({
                message: `${field}: "${shown(desired)}" is not a semantic version`,
              }),
        )
      const deployed =
        view.deployedVersion === undefined ? undefined : parseVersion(view.deployedVersion)
      if (deployed !== undefined && !allowDowngrade && versionBelow(parsed, deployed))
        return Either.left(new DowngradeNotAllowed({ desired, deployed: view.deployedVersion! }))
      return Either.right(desired)
    },
  )
}
