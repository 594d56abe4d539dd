/**
 * `stages[].patches` handed to kustomize, as Flux hands a Kustomization's patches: appended
 * to the `patches` of the kustomization being built, or, for plain manifests, in a
 * kustomization generated around them. Kustomize then applies strategic merge and JSON
 * 6902 patches with their targets itself. Pure.
 */
import { Either } from "effect"
import { Document, isMap, isSeq, parseDocument, stringify } from "yaml"
import type { KustomizePatch } from "../../../schemas/StageSet.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { type BuildFailed, buildFailed } from "../BuildFailed.ts"
import type { ManifestFile } from "../ManifestFile.ts"

/** The patches as entries of a kustomization's `patches` (an empty target is no target). */
const entriesOf = (patches: ReadonlyArray<KustomizePatch>) =>
  patches.map((p) =>
    p.target === undefined || Object.keys(p.target).length === 0
      ? { patch: p.patch }
      : { patch: p.patch, target: { ...p.target } },
  )

/** `file` (a kustomization) with `patches` appended to its own, comments and all kept. */
export const withStagePatches = (
  file: ManifestFile,
  patches: ReadonlyArray<KustomizePatch>,
): Either.Either<ManifestFile, BuildFailed> => {
  const parsed = parseDocument(file.content, { prettyErrors: false })
  if (parsed.errors.length > 0)
    return Either.left(buildFailed({ file: file.path }, "not valid YAML"))
  // An empty kustomization file is a valid one: start it afresh.
  const document = parsed.contents === null ? new Document({}) : parsed
  if (!isMap(document.contents))
    return Either.left(buildFailed({ file: file.path }, "not a kustomization (not a mapping)"))
  const own = document.get("patches")
  if (own !== undefined && own !== null && !isSeq(own))
    return Either.left(buildFailed({ file: file.path }, "patches must be a list"))
  if (isSeq(own)) for (const entry of entriesOf(patches)) own.add(document.createNode(entry))
  else document.set("patches", document.createNode(entriesOf(patches)))
  return Either.right({ path: file.path, content: document.toString() })
}

/** The file holding the objects in a generated kustomization. */
export const PATCHED_RESOURCES = "resources.json"

/**
 * A kustomization around already rendered objects that applies `patches` to them. The
 * objects are written as JSON, so no string is read back as another type.
 */
export const patchTree = (
  objects: ReadonlyArray<KubeObject>,
  patches: ReadonlyArray<KustomizePatch>,
): ReadonlyArray<ManifestFile> => [
  {
    path: "kustomization.yaml",
    content: stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [PATCHED_RESOURCES],
      patches: entriesOf(patches),
    }),
  },
  {
    path: PATCHED_RESOURCES,
    content: objects.map((object) => JSON.stringify(object)).join("\n---\n"),
  },
]
