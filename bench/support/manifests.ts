import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { stageApplySetId } from "../../src/inventory/ApplySetId.ts"
import { API_VERSION, APPLYSET_PART_OF, STAGE_SET_KIND } from "../../src/inventory/Labels.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"

/** A ConfigMap's whole object must stay under 1 MiB; keep a margin for metadata. */
const SOURCE_LIMIT_BYTES = 900 * 1024
/** Manifests per data key of a source ConfigMap (one "file" each). */
const DOCS_PER_FILE = 1000

/** The names of the `count` ConfigMaps of one workload: `<prefix>-00000`, ... */
export const objectNames = (prefix: string, count: number): ReadonlyArray<string> =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, "0")}`)

/** One ConfigMap manifest as a user writes it: no namespace (the StageSet's is used). */
const manifestYaml = (name: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  payload: "${name}"\n`

/** The object the controller applies for that manifest in `namespace` (hybrid mode: with part-of). */
export const renderedObject = (name: string, namespace: string, partOf: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, labels: { [APPLYSET_PART_OF]: partOf } },
  data: { payload: name },
})

/** What the controller sends for one stage: the same labels, namespace and data as it would. */
export const renderedStage = (
  names: ReadonlyArray<string>,
  namespace: string,
  stageSet: string,
  stage: string,
): ReadonlyArray<KubeObject> => {
  const partOf = stageApplySetId(namespace, stageSet, stage)
  return names.map((name) => renderedObject(name, namespace, partOf))
}

/**
 * The manifests of one stage as files: multi-document YAML, DOCS_PER_FILE documents per
 * file, `part-000.yaml`, ... The stage's source ConfigMap holds them as data keys; Flux's
 * artifact (support/flux.ts) holds the same files in its tar.gz.
 */
export const manifestFiles = (
  objectNamesOfStage: ReadonlyArray<string>,
): Readonly<Record<string, string>> => {
  const files: Record<string, string> = {}
  for (let i = 0; i < objectNamesOfStage.length; i += DOCS_PER_FILE) {
    const part = objectNamesOfStage.slice(i, i + DOCS_PER_FILE).map(manifestYaml)
    files[`part-${String(i / DOCS_PER_FILE).padStart(3, "0")}.yaml`] = part.join("---\n")
  }
  return files
}

/**
 * The source ConfigMap of one stage: the manifests as multi-document YAML, split over data
 * keys of DOCS_PER_FILE documents. Fails loudly if it would not fit one object (then the
 * workload would have to be split over several stages).
 */
export const sourceConfigMap = (
  namespace: string,
  name: string,
  objectNamesOfStage: ReadonlyArray<string>,
): KubeObject => {
  const data = manifestFiles(objectNamesOfStage)
  const bytes = Object.values(data).reduce((sum, text) => sum + Buffer.byteLength(text), 0)
  if (bytes > SOURCE_LIMIT_BYTES)
    throw new Error(
      `source ${namespace}/${name}: ${bytes} bytes of manifests do not fit one ConfigMap; split the stage`,
    )
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data }
}

export interface StageInput {
  readonly name: string
  readonly source: string
}

export const stageSetObject = (
  namespace: string,
  name: string,
  stages: ReadonlyArray<StageInput>,
): KubeObject => ({
  apiVersion: API_VERSION,
  kind: STAGE_SET_KIND,
  metadata: { name, namespace },
  spec: {
    stages: stages.map((s) => ({ name: s.name, sourceRef: { kind: "ConfigMap", name: s.source } })),
  },
})

/** Writes objects as multi-document YAML files (JSON documents) under `dir`, for kubectl and kpt. */
export const writeManifestDir = async (
  dir: string,
  objects: ReadonlyArray<KubeObject>,
): Promise<void> => {
  await mkdir(dir, { recursive: true })
  for (let i = 0; i < objects.length; i += DOCS_PER_FILE) {
    const docs = objects.slice(i, i + DOCS_PER_FILE).map((o) => JSON.stringify(o))
    await writeFile(
      join(dir, `part-${String(i / DOCS_PER_FILE).padStart(3, "0")}.yaml`),
      `${docs.join("\n---\n")}\n`,
    )
  }
}
