import { Clock, Effect, PubSub } from "effect"
import type { KubeError } from "../../src/kube/KubeError.ts"
import type { ResourceInfo } from "../../src/kube/KubeObject.ts"
import { runControllers } from "./Controllers.ts"
import { defaultResources } from "./defaultResources.ts"
import { type Faults, makeFaults } from "./Faults.ts"
import type { RequestLogEntry, WriteLogEntry, WriteVerb } from "./InMemoryDriver.ts"
import { formatTime } from "./Json.ts"
import { makeResourceTable } from "./ResourceTable.ts"
import { runOp } from "./runOp.ts"
import { makeStore, metaOf, type Store } from "./Store.ts"
import { type HubMessage, publishPending } from "./WatchHub.ts"
import { createObject, type OpContext, type WriteOutcome } from "./WriteOps.ts"

/** The shared state behind every client (impersonated or not) and the driver. */

export interface InMemoryOptions {
  /** Replaces the built-in discovery table; a kind listed at several versions: first is preferred. */
  readonly discovery?: ReadonlyArray<ResourceInfo>
  /** How many watch events are retained for resuming watches (default 10 000). */
  readonly watchHistorySize?: number
  /** The user name of the un-impersonated client (default `stageset-controller`). */
  readonly identity?: string
  /** The field manager create/update/updateStatus calls are recorded under (default `stageset-controller`). */
  readonly fieldManager?: string
  /** Namespaces that exist from the start (default: default, kube-system, kube-public, kube-node-lease). */
  readonly namespaces?: ReadonlyArray<string>
}

export interface Core {
  readonly store: Store
  readonly lock: Effect.Semaphore
  readonly hub: PubSub.PubSub<HubMessage>
  readonly faults: Faults
  readonly writes: Array<WriteLogEntry>
  readonly requests: Array<RequestLogEntry>
  readonly counters: { write: number; request: number }
  readonly watchers: { count: number }
  readonly hooks: Set<(entry: WriteLogEntry) => Effect.Effect<void>>
  readonly identity: string
  readonly fieldManager: string
}

export interface WriteRequest {
  readonly verb: WriteVerb
  readonly identity: string
  readonly origin: "client" | "driver"
  /** Field manager for non-apply writes (apply names its own). */
  readonly fieldManager?: string
  /** Dry runs are computed like writes but neither stored nor logged. */
  readonly dryRun?: boolean
}

/**
 * Performs one write atomically under the lock (operation, then the emulated controllers, then
 * publishing to watches), logs it, and runs the onWrite hooks before the caller resumes.
 */
export const performWrite = (
  core: Core,
  request: WriteRequest,
  operation: (ctx: OpContext) => WriteOutcome,
): Effect.Effect<WriteOutcome, KubeError> =>
  Effect.gen(function* () {
    const { outcome, entry } = yield* core.lock.withPermits(1)(
      Effect.gen(function* () {
        const now = formatTime(yield* Clock.currentTimeMillis)
        const ctx = {
          store: core.store,
          now,
          fieldManager: request.fieldManager ?? core.fieldManager,
        }
        const outcome = yield* runOp(() => {
          const result = operation(ctx)
          runControllers(core.store, now)
          return result
        })
        yield* publishPending(core)
        if (request.dryRun === true) return { outcome, entry: undefined }
        const entry: WriteLogEntry = {
          seq: ++core.counters.write,
          verb: request.verb,
          key: outcome.key,
          identity: request.identity,
          origin: request.origin,
          changed: outcome.changed,
          resourceVersion: String(metaOf(outcome.object).resourceVersion ?? ""),
        }
        core.writes.push(entry)
        return { outcome, entry }
      }),
    )
    if (entry !== undefined) for (const hook of [...core.hooks]) yield* hook(entry)
    return outcome
  })

const defaultNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]

export const makeCore = (options: InMemoryOptions = {}): Effect.Effect<Core> =>
  Effect.gen(function* () {
    const store = makeStore(
      makeResourceTable(options.discovery ?? defaultResources),
      options.watchHistorySize ?? 10_000,
    )
    const now = formatTime(yield* Clock.currentTimeMillis)
    const ctx: OpContext = { store, now, fieldManager: "kube-apiserver" }
    if (store.table.defs.has("/Namespace"))
      for (const name of options.namespaces ?? defaultNamespaces)
        yield* runOp(() =>
          createObject(ctx, { apiVersion: "v1", kind: "Namespace", metadata: { name } }),
        ).pipe(Effect.orDie)
    store.pending.splice(0)
    return {
      store,
      lock: yield* Effect.makeSemaphore(1),
      hub: yield* PubSub.unbounded<HubMessage>(),
      faults: makeFaults(),
      writes: [],
      requests: [],
      counters: { write: 0, request: 0 },
      watchers: { count: 0 },
      hooks: new Set(),
      identity: options.identity ?? "stageset-controller",
      fieldManager: options.fieldManager ?? "stageset-controller",
    }
  })
