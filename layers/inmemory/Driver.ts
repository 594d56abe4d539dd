import { Clock, Duration, Effect, Either, Option, PubSub } from "effect"
import type { KubeObject, ObjectKey } from "../../src/kube/KubeObject.ts"
import { applyObject } from "./ApplyOp.ts"
import { runControllers } from "./Controllers.ts"
import { type Core, performWrite } from "./Core.ts"
import { addFault } from "./Faults.ts"
import type { InMemoryDriverApi, ObjectFilter, WriteAsOptions } from "./InMemoryDriver.ts"
import { cloneJson, formatTime, type JsonObject } from "./Json.ts"
import { type Labels, matchesLabels, parseLabelSelector } from "./LabelSelector.ts"
import { versionOf } from "./Lifecycle.ts"
import { makeListTypes } from "./ListTypes.ts"
import { readEntries, trackUpdate } from "./ManagedFields.ts"
import { present, refuse, resolve } from "./Resolve.ts"
import { findServed } from "./ResourceTable.ts"
import { notFound } from "./ServerErrors.ts"
import { lookup, metaOf, nameOf, namespaceOf } from "./Store.ts"
import { publishPending } from "./WatchHub.ts"
import {
  commit,
  createObject,
  type OpContext,
  updateObject,
  updateStatusObject,
  type WriteOutcome,
} from "./WriteOps.ts"

/** The test driver of the in-memory server (see InMemoryDriverApi). */

const statusWrite =
  (key: ObjectKey, status: unknown) =>
  (ctx: OpContext): WriteOutcome => {
    const target = resolve(
      ctx.store,
      key.apiVersion,
      key.kind,
      "PUT",
      key.namespace,
      key.name,
      "status",
    )
    const existing =
      lookup(ctx.store, target.def, target.namespace, key.name) ??
      refuse(notFound(target.def, key.name, target.request))
    const current = present(existing, target.apiVersion)
    const value =
      typeof status === "function" ? (status as (c: KubeObject) => unknown)(current) : status
    if (target.def.hasStatus)
      return updateStatusObject(ctx, {
        ...current,
        status: value,
        metadata: { ...current.metadata, resourceVersion: "" },
      })
    // Without a status subresource, status is part of the object; a status writer still never
    // bumps generation here, so tests can drive observedGeneration without chasing it.
    const next: JsonObject = cloneJson({ ...existing, status: value })
    const managedFields = trackUpdate({
      before: existing,
      after: next,
      entries: readEntries(existing),
      manager: ctx.fieldManager,
      subresource: "",
      apiVersion: target.apiVersion,
      now: ctx.now,
      listTypes: makeListTypes(target.def, versionOf(next)),
      scope: "status",
    })
    metaOf(next).managedFields = managedFields.length > 0 ? managedFields : undefined
    return commit(ctx, target, existing, next)
  }

const dropFinalizers =
  (key: ObjectKey) =>
  (ctx: OpContext): WriteOutcome => {
    const target = resolve(ctx.store, key.apiVersion, key.kind, "PUT", key.namespace, key.name)
    const existing =
      lookup(ctx.store, target.def, target.namespace, key.name) ??
      refuse(notFound(target.def, key.name, target.request))
    const meta = { ...metaOf(existing) }
    delete meta.finalizers
    return commit(ctx, target, existing, { ...existing, metadata: meta })
  }

export const makeDriver = (core: Core): InMemoryDriverApi => {
  const store = core.store
  const underLock = <A>(f: () => A): Effect.Effect<A> => core.lock.withPermits(1)(Effect.sync(f))
  const driverWrite = (
    verb: "apply" | "create" | "update" | "updateStatus",
    identity: string,
    operation: (ctx: OpContext) => WriteOutcome,
  ) =>
    performWrite(
      core,
      { verb, identity, origin: "driver", fieldManager: identity },
      operation,
    ).pipe(Effect.map((outcome) => present(outcome.object, outcome.target.apiVersion)))

  const objects = (filter: ObjectFilter = {}) =>
    Effect.sync(() => {
      const selector = parseLabelSelector(filter.labelSelector ?? "")
      if (Either.isLeft(selector)) return Effect.dieMessage(selector.left)
      const out: Array<KubeObject> = []
      for (const [groupKind, byName] of [...store.kinds.entries()].sort(([a], [b]) =>
        a < b ? -1 : 1,
      )) {
        const def = store.table.defs.get(groupKind)
        if (def === undefined || (filter.kind !== undefined && def.kind !== filter.kind)) continue
        if (
          filter.apiVersion !== undefined &&
          findServed(store.table, filter.apiVersion, def.kind) !== def
        )
          continue
        const selected = [...byName.values()].filter(
          (object) =>
            (filter.namespace === undefined || namespaceOf(object) === filter.namespace) &&
            matchesLabels(selector.right, metaOf(object).labels as Labels | undefined),
        )
        selected.sort((a, b) =>
          `${namespaceOf(a)}/${nameOf(a)}` < `${namespaceOf(b)}/${nameOf(b)}` ? -1 : 1,
        )
        for (const object of selected)
          out.push(present(object, filter.apiVersion ?? String(object.apiVersion)))
      }
      return Effect.succeed(out as ReadonlyArray<KubeObject>)
    }).pipe(Effect.flatten)

  return {
    objects,
    getObject: (key) =>
      Effect.sync(() => {
        const def = findServed(store.table, key.apiVersion, key.kind)
        const object =
          def && lookup(store, def, def.namespaced ? (key.namespace ?? "") : "", key.name)
        return object === undefined ? Option.none() : Option.some(present(object, key.apiVersion))
      }),
    activeWatches: Effect.sync(() => core.watchers.count),
    resourceVersion: Effect.sync(() => String(store.rv)),
    writeLog: Effect.sync(() => [...core.writes]),
    requestLog: Effect.sync(() => [...core.requests]),
    clearLogs: Effect.sync(() => {
      core.writes.length = 0
      core.requests.length = 0
    }),
    failNext: (n, match, error, options) =>
      Effect.sync(() =>
        addFault(core.faults, {
          n,
          match,
          kind: error,
          when: "before",
          ...(options?.retryAfterSeconds === undefined
            ? {}
            : { retryAfterSeconds: options.retryAfterSeconds }),
        }),
      ),
    failAfter: (n, match) =>
      Effect.sync(() => addFault(core.faults, { n, match, kind: "reset", when: "after" })),
    clearFaults: Effect.sync(() => {
      core.faults.rules.length = 0
      core.faults.denials.length = 0
      core.faults.latency = Duration.zero
    }),
    latency: (duration) =>
      Effect.sync(() => {
        core.faults.latency = Duration.decode(duration)
      }),
    denyIdentity: (username, verbs, namespaces) =>
      Effect.sync(() => {
        core.faults.denials.push({
          username,
          ...(verbs === undefined ? {} : { verbs }),
          ...(namespaces === undefined ? {} : { namespaces }),
        })
      }),
    allowIdentity: (username) =>
      Effect.sync(() => {
        const kept = core.faults.denials.filter((denial) => denial.username !== username)
        core.faults.denials.splice(0, core.faults.denials.length, ...kept)
      }),
    writeAs: (manager, object, options?: WriteAsOptions) => {
      const operation = options?.operation ?? "apply"
      return driverWrite(operation, manager, (ctx) =>
        operation === "apply"
          ? applyObject(ctx, object, { fieldManager: manager, force: options?.force ?? false })
          : operation === "create"
            ? createObject(ctx, object)
            : updateObject(ctx, object),
      )
    },
    setStatus: (key, status, options) =>
      driverWrite(
        "updateStatus",
        options?.manager ?? "kube-controller-manager",
        statusWrite(key, status),
      ),
    removeFinalizers: (key) =>
      driverWrite("update", "in-memory-driver", dropFinalizers(key)).pipe(Effect.asVoid),
    onWrite: (hook) =>
      Effect.sync(() => {
        core.hooks.add(hook)
        return Effect.sync(() => {
          core.hooks.delete(hook)
        })
      }),
    expireWatchHistory: underLock(() => {
      store.history.length = 0
      store.compactedThrough = store.rv
    }),
    closeWatches: (options) =>
      PubSub.publish(core.hub, { _tag: "close", gone: options?.gone === true }).pipe(Effect.asVoid),
    pauseControllers: (paused) =>
      core.lock.withPermits(1)(
        Effect.gen(function* () {
          store.paused = paused
          if (!paused) runControllers(store, formatTime(yield* Clock.currentTimeMillis))
          yield* publishPending(core)
        }),
      ),
  }
}
