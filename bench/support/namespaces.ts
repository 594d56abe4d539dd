import { Effect } from "effect"
import { API_VERSION, STAGE_INVENTORY_KIND, STAGE_SET_KIND } from "../../src/inventory/Labels.ts"
import type { KubeClientApi } from "../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"

let counter = 0

/** A namespace name unique within this run and across runs against one cluster. */
export const uniqueName = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36).slice(-5)}${(counter++).toString(36)}${Math.floor(
    Math.random() * 1296,
  ).toString(36)}`

export const createNamespace = (kube: KubeClientApi, name: string) =>
  kube
    .apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name } },
      { fieldManager: "stageset-bench", force: true },
    )
    .pipe(Effect.orDie)

const withoutFinalizers = (kube: KubeClientApi, object: KubeObject) =>
  (object.metadata.finalizers ?? []).length === 0
    ? Effect.void
    : kube
        .update({ ...object, metadata: { ...object.metadata, finalizers: [] } })
        .pipe(Effect.ignore)

/** Removes every finalizer from the namespace's StageSets and StageInventories (failures ignored). */
const stripFinalizers = (kube: KubeClientApi, namespace: string) =>
  Effect.forEach(
    [STAGE_SET_KIND, STAGE_INVENTORY_KIND],
    (kind) =>
      kube.list({ apiVersion: API_VERSION, kind }, { namespace }).pipe(
        Effect.orElseSucceed(() => ({ items: [] as ReadonlyArray<KubeObject> })),
        Effect.flatMap((list) =>
          Effect.forEach(list.items, (o) => withoutFinalizers(kube, o), {
            concurrency: 8,
            discard: true,
          }),
        ),
      ),
    { discard: true },
  )

export interface CleanupContext {
  readonly setup: KubeClientApi
  readonly cluster: { readonly deleteConfigMaps: (namespace: string) => Effect.Effect<void> }
}

/**
 * Deletes a namespace without running the controller's teardown. The bulk (its ConfigMaps)
 * goes first in one delete-collection request that returns once they are deleted, so the
 * namespace controller, which only starts 5 s after a namespace is deleted, finds it almost
 * empty and its clean-up does not compete with the next measurement; our finalizers on
 * StageSets and StageInventories are stripped (nothing outside the namespace uses them).
 */
export const deleteNamespace = (ctx: CleanupContext, name: string) =>
  Effect.gen(function* () {
    const kube = ctx.setup
    yield* ctx.cluster.deleteConfigMaps(name)
    yield* stripFinalizers(kube, name)
    yield* kube
      .delete({ apiVersion: "v1", kind: "Namespace", name }, { propagationPolicy: "Background" })
      .pipe(Effect.ignore)
    deleting.add(name)
  })

/** Namespaces deleted and not yet seen gone (see `awaitDeleted`). */
const deleting = new Set<string>()

/**
 * Waits until every namespace deleted so far is gone (the namespace controller finishes
 * them 5 s or more after the delete): between benchmarks, so that one benchmark's clean-up
 * never overlaps the next one's measurements.
 */
export const awaitDeleted = (kube: KubeClientApi) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 180_000
    const terminating = new Map<string, KubeObject>()
    for (let round = 0; deleting.size > 0 && Date.now() < deadline; round++) {
      for (const name of [...deleting]) {
        const live = yield* kube.get({ apiVersion: "v1", kind: "Namespace", name }).pipe(
          Effect.map((o): KubeObject | undefined => o),
          Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
          Effect.orElseSucceed(() => terminating.get(name)),
        )
        if (live === undefined) {
          deleting.delete(name)
          terminating.delete(name)
        } else terminating.set(name, live)
        // A finalizer that survived the first strip (a conflicting write) would block it forever.
        if (live !== undefined && round % 10 === 9) yield* stripFinalizers(kube, name)
      }
      if (deleting.size > 0) yield* Effect.sleep("500 millis")
    }
    for (const [name, live] of terminating) {
      const conditions =
        (live.status as { conditions?: ReadonlyArray<{ type: string; message?: string }> })
          ?.conditions ?? []
      yield* Effect.logWarning(
        `namespace ${name} still terminating: ${conditions.map((c) => `${c.type}: ${c.message ?? ""}`).join("; ")}`,
      )
    }
    deleting.clear()
  })

/** A fresh namespace for `use`, deleted afterwards, also on failure. */
export const withNamespace = <A, E, R>(
  ctx: CleanupContext,
  prefix: string,
  use: (namespace: string) => Effect.Effect<A, E, R>,
): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => uniqueName(prefix)).pipe(
      Effect.tap((name) => createNamespace(ctx.setup, name)),
    ),
    use,
    (name) => deleteNamespace(ctx, name),
  )
