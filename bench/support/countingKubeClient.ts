import { Context, Effect, Layer, Stream } from "effect"
import { KubeClient, type KubeClientApi } from "../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../src/kube/KubeObject.ts"

/** `BENCH_DEBUG=1`: log every counted request with a timestamp (seconds) to stderr. */
const DEBUG = process.env.BENCH_DEBUG === "1"

/** The Live client reads lists in pages of this many items (`defaultPageSize`, layers/KubeClient.live.ts). */
const LIST_PAGE = 5000

/** What one subject sent, by verb, as seen directly on top of the raw (HTTP) client. */
export interface RequestCounts {
  /** HTTP requests by verb; a list counts one per page of LIST_PAGE. `discover` is not here (see below). */
  readonly byVerb: Readonly<Record<string, number>>
  /** The same, by verb and kind (`get StageSet`). */
  readonly byVerbKind: Readonly<Record<string, number>>
  /** Sum of `byVerb`: requests that reached the API server. */
  readonly requests: number
  /** KubeClient calls by verb and kind: like `byVerbKind`, but a paged LIST is one call. */
  readonly callsByVerbKind: Readonly<Record<string, number>>
  /** Sum of `callsByVerbKind`. */
  readonly calls: number
  /** Mutating requests that changed a resourceVersion (or deleted an object). */
  readonly writes: number
  /** Apply/update bodies (JSON bytes, as the Live transport sends them), by kind. */
  readonly bytesByKind: Readonly<Record<string, number>>
  /** Apply/update requests, by kind. */
  readonly writesByKind: Readonly<Record<string, number>>
  /** `discover`/`resources` calls: answered from the Live client's cache almost always. */
  readonly discoveryCalls: number
}

export interface RequestCounterApi {
  readonly snapshot: () => RequestCounts
  /** Starts a new count (the known resourceVersions are kept). */
  readonly reset: () => void
  /** Tells the counter the current resourceVersions (from an uncounted list), so no-op applies are not writes. */
  readonly seed: (objects: ReadonlyArray<KubeObject>) => void
}

export class RequestCounter extends Context.Tag("bench/RequestCounter")<
  RequestCounter,
  RequestCounterApi
>() {}

const idOf = (key: ObjectKey | KubeObject): string => {
  if ("metadata" in key)
    return `${key.apiVersion}|${key.kind}|${key.metadata.namespace ?? ""}|${key.metadata.name}`
  return `${key.apiVersion}|${key.kind}|${key.namespace ?? ""}|${key.name}`
}

const bodyBytes = (object: KubeObject): number => {
  const { managedFields: _mf, ...metadata } = object.metadata
  return Buffer.byteLength(JSON.stringify({ ...object, metadata }))
}

/**
 * Counts requests on a raw KubeClient (below the resilient wrapper, so retries count) and
 * "writes": a mutating request whose answer carries a resourceVersion other than the last
 * one this counter saw for that object. Every response (get, list, apply, ...) updates the
 * known resourceVersions, and `seed` fills them before a measured run.
 */
/** For messages: how many items one LIST page holds. */
export const LIST_PAGE_SIZE = LIST_PAGE

export const makeCountingKubeClient = (
  inner: KubeClientApi,
): { readonly client: KubeClientApi; readonly counter: RequestCounterApi } => {
  const known = new Map<string, string>()
  let byVerb: Record<string, number> = {}
  let byVerbKind: Record<string, number> = {}
  let callsByVerbKind: Record<string, number> = {}
  let bytesByKind: Record<string, number> = {}
  let writesByKind: Record<string, number> = {}
  let writes = 0
  let discoveryCalls = 0

  const count = (verb: string, kind: string, n = 1) => {
    const key = `${verb} ${kind}`
    if (DEBUG) process.stderr.write(`${(performance.now() / 1000).toFixed(3)} ${key}\n`)
    byVerb[verb] = (byVerb[verb] ?? 0) + n
    byVerbKind[key] = (byVerbKind[key] ?? 0) + n
    callsByVerbKind[key] = (callsByVerbKind[key] ?? 0) + 1
  }
  const remember = (object: KubeObject) => {
    const rv = object.metadata.resourceVersion
    if (rv !== undefined) known.set(idOf(object), rv)
  }
  const wrote = (verb: string, sent: KubeObject) => (live: KubeObject) =>
    Effect.sync(() => {
      const id = idOf(live)
      const before = known.get(id)
      if (live.metadata.resourceVersion !== before) writes++
      remember(live)
      if (verb !== "create") {
        bytesByKind[sent.kind] = (bytesByKind[sent.kind] ?? 0) + bodyBytes(sent)
        writesByKind[sent.kind] = (writesByKind[sent.kind] ?? 0) + 1
      }
    })

  const wrap = (client: KubeClientApi): KubeClientApi => ({
    apply: (object, options) =>
      Effect.suspend(() => {
        count(options.dryRun === true ? "apply(dryRun)" : "apply", object.kind)
        const call = client.apply(object, options)
        return options.dryRun === true ? call : Effect.tap(call, wrote("apply", object))
      }),
    get: (key) =>
      Effect.suspend(() => {
        count("get", key.kind)
        return Effect.tap(client.get(key), (live) => Effect.sync(() => remember(live)))
      }),
    list: (kind, options) =>
      Effect.suspend(() =>
        Effect.tap(
          Effect.tapError(client.list(kind, options), () =>
            Effect.sync(() => count("list", kind.kind)),
          ),
          (list) =>
            Effect.sync(() => {
              count("list", kind.kind, Math.max(1, Math.ceil(list.items.length / LIST_PAGE)))
              for (const item of list.items) remember(item)
            }),
        ),
      ),
    create: (object) =>
      Effect.suspend(() => {
        count("create", object.kind)
        return Effect.tap(client.create(object), wrote("create", object))
      }),
    update: (object) =>
      Effect.suspend(() => {
        count("update", object.kind)
        return Effect.tap(client.update(object), wrote("update", object))
      }),
    updateStatus: (object) =>
      Effect.suspend(() => {
        count("updateStatus", object.kind)
        return Effect.tap(client.updateStatus(object), wrote("updateStatus", object))
      }),
    delete: (key, options) =>
      Effect.suspend(() => {
        count("delete", key.kind)
        return Effect.tap(client.delete(key, options), () =>
          Effect.sync(() => {
            writes++
            known.delete(idOf(key))
          }),
        )
      }),
    watch: (kind, options) =>
      Stream.suspend(() => {
        count("watch", kind.kind)
        return client.watch(kind, options)
      }),
    discover: (apiVersion, kind) =>
      Effect.suspend(() => {
        discoveryCalls++
        return client.discover(apiVersion, kind)
      }),
    resources: () =>
      Effect.suspend(() => {
        discoveryCalls++
        return client.resources()
      }),
    invalidateDiscovery: client.invalidateDiscovery,
    impersonate: (username) => wrap(client.impersonate(username)),
  })

  const counter: RequestCounterApi = {
    snapshot: () => ({
      byVerb: { ...byVerb },
      byVerbKind: { ...byVerbKind },
      requests: Object.values(byVerb).reduce((a, b) => a + b, 0),
      callsByVerbKind: { ...callsByVerbKind },
      calls: Object.values(callsByVerbKind).reduce((a, b) => a + b, 0),
      writes,
      bytesByKind: { ...bytesByKind },
      writesByKind: { ...writesByKind },
      discoveryCalls,
    }),
    reset: () => {
      byVerb = {}
      byVerbKind = {}
      callsByVerbKind = {}
      bytesByKind = {}
      writesByKind = {}
      writes = 0
      discoveryCalls = 0
    },
    seed: (objects) => {
      for (const object of objects) remember(object)
    },
  }
  return { client: wrap(inner), counter }
}

/** Replaces the KubeClient in context with its counting wrapper, and provides the counter. */
export const countingKubeClientLayer: Layer.Layer<KubeClient | RequestCounter, never, KubeClient> =
  Layer.effectContext(
    Effect.map(KubeClient, (inner) => {
      const { client, counter } = makeCountingKubeClient(inner)
      return Context.make(KubeClient, client).pipe(Context.add(RequestCounter, counter))
    }),
  )
