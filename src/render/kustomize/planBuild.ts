/**
 * How a stage's files become objects, decided from the files alone (pure). A directory
 * with a kustomization is built by kustomize, as Flux does. A directory without one is
 * read as plain manifests by our parser (which names file and document in every error),
 * except that subdirectories holding a kustomization are built by kustomize and their
 * files are not read as manifests: the directories Flux's generated kustomization would
 * list as resources.
 */
import type { ManifestFile } from "../ManifestFile.ts"
import {
  compareCodePoints,
  isKustomizationName,
  isManifestName,
  kustomizationNames,
  type StageFiles,
} from "../selectManifestFiles.ts"

export type BuildPlan =
  | {
      readonly _tag: "Kustomization"
      /** The directory kustomize builds. */
      readonly dir: string
      /** Its kustomization file. */
      readonly file: string
    }
  | {
      readonly _tag: "Manifests"
      /** Plain manifests, in path order. */
      readonly manifests: ReadonlyArray<ManifestFile>
      /** Directories below with a kustomization of their own (the topmost ones), in path order. */
      readonly kustomizations: ReadonlyArray<string>
    }

const directoryOf = (path: string): string => {
  const slash = path.lastIndexOf("/")
  return slash < 0 ? "" : path.slice(0, slash)
}

const isUnder = (path: string, dir: string): boolean => dir === "" || path.startsWith(`${dir}/`)

export const planBuild = ({ files, dir }: StageFiles): BuildPlan => {
  for (const name of kustomizationNames) {
    const file = dir === "" ? name : `${dir}/${name}`
    if (files.some((f) => f.path === file)) return { _tag: "Kustomization", dir, file }
  }
  const inside = files.filter((file) => isUnder(file.path, dir))
  const kustomized = [
    ...new Set(inside.filter((f) => isKustomizationName(f.path)).map((f) => directoryOf(f.path))),
  ].sort(compareCodePoints)
  // Only the topmost: a kustomization below another one is that one's business.
  const kustomizations = kustomized.filter(
    (candidate) => !kustomized.some((other) => other !== candidate && isUnder(candidate, other)),
  )
  const manifests = inside.filter(
    (file) => isManifestName(file.path) && !kustomizations.some((k) => isUnder(file.path, k)),
  )
  return { _tag: "Manifests", manifests, kustomizations }
}
