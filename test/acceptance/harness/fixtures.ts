import { Effect } from "effect"
import { stringify } from "yaml"
import {
  API_VERSION,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
} from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"
import { reconcileStageSet } from "../../../src/programs/reconcileStageSet.ts"

/** The field manager tests write with, standing in for a user's kubectl. */
export const USER = "acceptance-user"

let counter = 0
/** A namespace name unique within this process and across runs against one shared cluster. */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36).slice(-5)}${(counter++).toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`

export const applyAsUser = (object: KubeObject) =>
  Effect.flatMap(KubeClient, (kube) => kube.apply(object, { fieldManager: USER, force: true }))

export const createNamespace = (name: string) =>
  applyAsUser({ apiVersion: "v1", kind: "Namespace", metadata: { name } })

/** A ConfigMap manifest as a stage would render it. */
export const configMap = (
  name: string,
  data: Record<string, string> = { key: name },
  extra: Partial<KubeObject["metadata"]> = {},
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...extra },
  data,
})

/** Multi-document YAML of some objects. */
export const yamlOf = (objects: ReadonlyArray<KubeObject>): string =>
  objects.map((o) => stringify(o)).join("---\n")

/** Writes (or replaces) the ConfigMap a stage reads its manifests from. */
export const setSource = (namespace: string, name: string, files: Record<string, string>) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    yield* kube.apply(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data: files },
      { fieldManager: USER, force: true },
    )
  })

export interface StageSpecInput {
  readonly name: string
  readonly source: string
  readonly prune?: boolean
  readonly extra?: Record<string, unknown>
}

/** Creates or updates a StageSet whose stages read ConfigMaps `source` in its namespace. */
export const setStageSet = (
  namespace: string,
  name: string,
  stages: ReadonlyArray<StageSpecInput>,
  spec: Record<string, unknown> = {},
) =>
  applyAsUser({
    apiVersion: API_VERSION,
    kind: "StageSet",
    metadata: { name, namespace },
    spec: {
      ...spec,
      stages: stages.map((s) => ({
        name: s.name,
        sourceRef: { kind: "ConfigMap", name: s.source },
        ...(s.prune === undefined ? {} : { prune: s.prune }),
        ...(s.extra ?? {}),
      })),
    },
  })

export const reconcile = (namespace: string, name: string) => reconcileStageSet({ namespace, name })

export const getObject = (key: ObjectKey) =>
  Effect.flatMap(KubeClient, (kube) =>
    kube.get(key).pipe(
      Effect.map((o): KubeObject | undefined => o),
      Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
    ),
  )

export const cmKey = (namespace: string, name: string): ObjectKey => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  namespace,
  name,
})

/** Every StageInventory shard of a StageSet, read from the cluster, sorted by name. */
export const shardsOf = (namespace: string, stageSet: string) =>
  Effect.flatMap(KubeClient, (kube) =>
    kube
      .list(
        { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND },
        { namespace, labelSelector: `${LABEL_STAGE_SET}=${stageSet}` },
      )
      .pipe(
        Effect.map((l) =>
          [...l.items].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)),
        ),
      ),
  )

/** The entry ids a stage's shards record, in shard then entry order. */
export const entryIds = (shards: ReadonlyArray<KubeObject>, stage?: string): Array<string> =>
  shards
    .filter((s) => stage === undefined || s.metadata.labels?.["stages.metio.wtf/stage"] === stage)
    .flatMap((s) =>
      ((s.spec as { entries?: Array<{ id: string }> }).entries ?? []).map((e) => e.id),
    )

export const statusOf = (namespace: string, name: string) =>
  Effect.map(
    getObject({ apiVersion: API_VERSION, kind: "StageSet", namespace, name }),
    (o) =>
      o?.status as
        | {
            inventoryMode?: string
            lastHandledReconcileAt?: string
            conditions?: Array<{ type: string; status: string; reason: string; message: string }>
            stages?: Array<{
              name: string
              phase: string
              entriesCount: number
              shards: number
              revision?: string
              message?: string
              lastHandledReconcileAt?: string
            }>
          }
        | undefined,
  )
