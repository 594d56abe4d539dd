import { Context, Effect, Layer } from "effect"
import { API_VERSION, STAGE_INVENTORY_KIND, STAGE_SET_KIND } from "../inventory/Labels.ts"
import { KubeClient, type KubeClientApi } from "../kube/KubeClient.ts"
import type { KubeObject } from "../kube/KubeObject.ts"

/**
 * The resourceVersions this process's own writes left StageSets and StageInventory shards
 * at. Each of those writes comes back through an informer as a watch event; an event whose
 * object is at such a resourceVersion is our own write, which the reconcile that made it
 * has already accounted for, so it must not enqueue the StageSet again. Without this, every
 * StageSet was reconciled two or three times from cold: once more after its finalizer was
 * added and once more after its intent shard was written (performance.md B6).
 */
export class OwnWrites extends Context.Tag("stageset/OwnWrites")<
  OwnWrites,
  {
    /** Runs `write` of `object`, remembering the resourceVersion it returns. */
    readonly track: <E, R>(
      object: KubeObject,
      write: Effect.Effect<KubeObject, E, R>,
    ) => Effect.Effect<KubeObject, E, R>
    /**
     * Whether `object` is exactly as one of our writes left it. Waits for our writes of it
     * still in flight first: the watch event can arrive before the write's response.
     */
    readonly isOwn: (object: KubeObject) => Effect.Effect<boolean>
    /** Drops what is remembered of a deleted object. */
    readonly forget: (object: KubeObject) => Effect.Effect<void>
  }
>() {}

/** The objects whose events the controller filters: StageSets and their shards. */
const isTracked = (object: KubeObject) =>
  object.apiVersion === API_VERSION &&
  (object.kind === STAGE_SET_KIND || object.kind === STAGE_INVENTORY_KIND)

/**
 * KubeClient in front of the inner one that tells OwnWrites about every write to a StageSet
 * or a shard. It sits under every service of the process, so the InventoryStore's shard
 * writes and the programs' finalizer and status writes all pass through it.
 */
export const ownWritesKubeClientLayer = Layer.effect(
  KubeClient,
  Effect.gen(function* () {
    const inner = yield* KubeClient
    const own = yield* OwnWrites
    const tracked = <E>(object: KubeObject, write: Effect.Effect<KubeObject, E>) =>
      isTracked(object) ? own.track(object, write) : write
    const wrap = (client: KubeClientApi): KubeClientApi => ({
      ...client,
      apply: (object, options) =>
        options.dryRun === true
          ? client.apply(object, options)
          : tracked(object, client.apply(object, options)),
      create: (object) => tracked(object, client.create(object)),
      update: (object) => tracked(object, client.update(object)),
      updateStatus: (object) => tracked(object, client.updateStatus(object)),
      impersonate: (username) => wrap(client.impersonate(username)),
    })
    return wrap(inner)
  }),
)
