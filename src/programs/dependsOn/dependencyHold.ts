import type semver from "semver"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { statusOf } from "../stageSet/observeStageSet.ts"
import { versionAtLeast } from "../version/semanticVersion.ts"

/** A `dependsOn` entry with its namespace resolved and its `minVersion` parsed. */
export interface Dependency {
  /** `namespace/name`. */
  readonly key: string
  readonly minVersion?: { readonly text: string; readonly version: semver.SemVer }
}

/**
 * Why `found`, the live dependency (undefined: it does not exist), holds its dependent, or
 * undefined when it does not: it must be Ready=True about its current generation (a
 * changed spec it has not rolled out yet holds, as in Flux and the Go implementation) and,
 * with `minVersion`, its `status.version` at or above it.
 */
export const dependencyHold = (
  dependency: Dependency,
  found: KubeObject | undefined,
): string | undefined => {
  const at = `dependency ${dependency.key}`
  if (found === undefined) return `${at} not found`
  const status = statusOf(found)
  const ready = status.conditions?.find((c) => c.type === "Ready")
  if (ready?.status !== "True")
    return `${at} is not Ready (${ready === undefined ? "not reconciled yet" : ready.reason})`
  const observed = ready.observedGeneration ?? status.observedGeneration
  const generation = found.metadata.generation
  if (generation !== undefined && observed !== generation)
    return `${at} is Ready at generation ${observed ?? "(unknown)"} but has not rolled out its generation ${generation} yet`
  const floor = dependency.minVersion
  if (floor !== undefined && !versionAtLeast(status.version, floor.version))
    return `${at} is at version ${status.version ?? "(none)"}, need >= ${floor.text}`
  return undefined
}
