import { Either } from "effect"

/** `--source-dir` values sorted out: a directory per named stage, and one for the rest. */
export interface SourceDirs {
  readonly byStage: ReadonlyMap<string, string>
  /** A bare PATH: every stage without a directory of its own. */
  readonly fallback: string | undefined
}

export const noSourceDirs: SourceDirs = { byStage: new Map(), fallback: undefined }

const stageName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/**
 * Parses repeated `--source-dir [STAGE=]PATH` against the StageSet's stages. A prefix before
 * the first `=` that is a stage name (a DNS label) names a stage; anything else is a bare
 * path. Refused (as a usage error): an unknown stage, an empty path, a stage given twice,
 * two bare paths.
 */
export const parseSourceDirs = (
  values: ReadonlyArray<string>,
  stages: ReadonlyArray<string>,
): Either.Either<SourceDirs, string> => {
  const byStage = new Map<string, string>()
  let fallback: string | undefined
  for (const value of values) {
    const at = value.indexOf("=")
    const prefix = at < 0 ? "" : value.slice(0, at)
    if (prefix !== "" && stageName.test(prefix)) {
      const path = value.slice(at + 1)
      if (!stages.includes(prefix))
        return Either.left(
          `--source-dir ${value}: the StageSet has no stage "${prefix}" (stages: ${stages.join(", ")})`,
        )
      if (path === "") return Either.left(`--source-dir ${value}: no path after "="`)
      if (byStage.has(prefix))
        return Either.left(`--source-dir: stage "${prefix}" is given more than once`)
      byStage.set(prefix, path)
      continue
    }
    if (value === "") return Either.left("--source-dir: empty path")
    if (fallback !== undefined)
      return Either.left(
        `--source-dir: two paths without a stage (${fallback}, ${value}); name the stage of each as STAGE=PATH`,
      )
    fallback = value
  }
  return Either.right({ byStage, fallback })
}

/** The directory `stage` renders from, if any. */
export const sourceDirOf = (dirs: SourceDirs, stage: string): string | undefined =>
  dirs.byStage.get(stage) ?? dirs.fallback
