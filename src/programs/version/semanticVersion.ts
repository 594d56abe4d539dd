import semver from "semver"

/**
 * Versions as the public Go implementation reads them (its semver library): `1.2.3`,
 * `v1.2.3`, with a pre-release and build metadata, and the short forms `1.2` and `1`
 * (missing parts are 0). npm's `semver` parses the full forms (loosely, for the `v`); the
 * short forms alone are completed first, so `5.2` in a `minVersion` means `5.2.0` here too.
 */
const SHORT = /^v?(0|[1-9]\d*)(\.(0|[1-9]\d*))?$/

/** The version `text` names, or undefined when it is not a semantic version. */
export const parseVersion = (text: string): semver.SemVer | undefined => {
  const trimmed = text.trim()
  const full = semver.parse(trimmed, { loose: true })
  if (full !== null) return full
  return SHORT.test(trimmed) ? (semver.coerce(trimmed) ?? undefined) : undefined
}

/** Whether `text` is a semantic version `parseVersion` reads. */
export const isVersion = (text: string): boolean => parseVersion(text) !== undefined

/**
 * Whether the deployed version `have` is at or above `min` (semver precedence: build
 * metadata ignored, a pre-release below its release). A `have` that is absent or not a
 * version is not at any floor yet: the dependent waits rather than failing.
 */
export const versionAtLeast = (have: string | undefined, min: semver.SemVer): boolean => {
  const parsed = have === undefined ? undefined : parseVersion(have)
  return parsed !== undefined && semver.gte(parsed, min)
}

/** `a` below `b` by semver precedence. */
export const versionBelow = (a: semver.SemVer, b: semver.SemVer): boolean => semver.lt(a, b)
