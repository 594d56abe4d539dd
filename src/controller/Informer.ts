import { Data, Deferred, Effect, HashMap, Option, Ref, Schedule, Stream } from "effect"
import { KubeClient, type ListOptions } from "../kube/KubeClient.ts"
import type { KubeError } from "../kube/KubeError.ts"
import type { KubeObject, ObjectMeta, WatchEvent } from "../kube/KubeObject.ts"

/** What changed about one object, as the informer's cache saw it. */
export type InformerEvent =
  | { readonly _tag: "Added"; readonly object: KubeObject }
  | { readonly _tag: "Updated"; readonly previous: KubeObject; readonly object: KubeObject }
  /** `object` is the last state the informer knew (from the watch, or its cache after a re-list). */
  | { readonly _tag: "Deleted"; readonly object: KubeObject }

export interface InformerOptions {
  /** One list+watch per namespace into one cache; absent or empty: all namespaces (or cluster scope). */
  readonly namespaces?: ReadonlyArray<string>
  readonly labelSelector?: string
  /**
   * Trims an object before it is cached and emitted (after `metadata.managedFields` is
   * stripped), e.g. to metadata only when the caller needs no more. Must keep
   * `metadata.name`, `namespace` and `resourceVersion`, which the cache is built on.
   */
  readonly transform?: (object: KubeObject) => KubeObject
  /**
   * List and watch only the objects' metadata (`ListOptions.metadataOnly`), for informers
   * whose handlers and transform read nothing else: the server then sends no data, spec or
   * status to parse and drop (a source Secret's data never reaches the process).
   */
  readonly metadataOnly?: boolean
}

/** A cache of one kind kept current by list+watch, and the stream of its changes. */
export interface Informer {
  readonly kind: { readonly apiVersion: string; readonly kind: string }
  /**
   * Lists, then watches from the list's resourceVersion, forever; every change is applied to
   * the cache before it is emitted. Never fails: after a 410 Gone or a failed watch it re-lists
   * (backing off with `informerReconnectSchedule`) and emits what changed meanwhile, deletes
   * included; a watch the server ended cleanly is resumed from the last resourceVersion seen.
   * Run it once: the cache is only maintained while it runs.
   */
  readonly events: Stream.Stream<InformerEvent>
  /** The cached object (cluster-scoped kinds: namespace undefined). */
  readonly get: (
    namespace: string | undefined,
    name: string,
  ) => Effect.Effect<Option.Option<KubeObject>>
  /** Every cached object. */
  readonly list: Effect.Effect<ReadonlyArray<KubeObject>>
  /** Completes once every namespace has been listed once. */
  readonly synced: Effect.Effect<void>
}

/**
 * Reconnect backoff of a watch: exponential from 200 ms, jittered so informers of several
 * kinds (and several replicas) do not hammer a recovering API server in lockstep, capped
 * at 30 s per wait, never giving up. It restarts from 200 ms as soon as events flow again.
 */
export const informerReconnectSchedule = Schedule.exponential("200 millis", 2).pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced("30 seconds")),
)

/** The cache key of an object: `namespace/name`, or `name` for cluster scope. */
export const cacheKey = (namespace: string | undefined, name: string): string =>
  namespace === undefined || namespace === "" ? name : `${namespace}/${name}`

const keyOf = (object: KubeObject) => cacheKey(object.metadata.namespace, object.metadata.name)

/** Drops `metadata.managedFields`: often the larger half of an object, and never read here. */
export const stripManagedFields = (object: KubeObject): KubeObject => {
  if (object.metadata.managedFields === undefined) return object
  const { managedFields: _, ...metadata } = object.metadata
  return { ...object, metadata }
}

/** A transform keeping only type and the identifying metadata (no data, spec or status). */
export const metadataOnly = (object: KubeObject): KubeObject => {
  const m = object.metadata
  const metadata: ObjectMeta = {
    name: m.name,
    ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
    ...(m.uid === undefined ? {} : { uid: m.uid }),
    ...(m.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
    ...(m.generation === undefined ? {} : { generation: m.generation }),
    ...(m.labels === undefined ? {} : { labels: m.labels }),
    ...(m.deletionTimestamp === undefined ? {} : { deletionTimestamp: m.deletionTimestamp }),
  }
  return { apiVersion: object.apiVersion, kind: object.kind, metadata }
}

/**
 * A transform keeping only what names an object and the resourceVersion the cache compares,
 * for informers whose every event just means "this object changed": the source ConfigMaps
 * and Secrets. Those cache every ConfigMap of the watched namespaces, the thousands that
 * StageSets apply included, and uid and labels were a third of each entry.
 */
export const identityOnly = (object: KubeObject): KubeObject => {
  const m = object.metadata
  const metadata: ObjectMeta = {
    name: m.name,
    ...(m.namespace === undefined ? {} : { namespace: m.namespace }),
    ...(m.resourceVersion === undefined ? {} : { resourceVersion: m.resourceVersion }),
  }
  return { apiVersion: object.apiVersion, kind: object.kind, metadata }
}

/** A watch the server closed without an error: resume it from the last resourceVersion. */
class WatchEnded extends Data.TaggedError("WatchEnded")<{}> {}

type Cache = HashMap.HashMap<string, KubeObject>

/** The events that turn the cached objects of `namespace` into `items`; the new cache. */
const resync = (
  cache: Cache,
  namespace: string | undefined,
  items: ReadonlyArray<KubeObject>,
): [ReadonlyArray<InformerEvent>, Cache] => {
  const events: Array<InformerEvent> = []
  const listed = new Set<string>()
  let next = cache
  for (const object of items) {
    const key = keyOf(object)
    listed.add(key)
    const previous = HashMap.get(cache, key)
    if (Option.isNone(previous)) events.push({ _tag: "Added", object })
    else if (previous.value.metadata.resourceVersion !== object.metadata.resourceVersion)
      events.push({ _tag: "Updated", previous: previous.value, object })
    next = HashMap.set(next, key, object)
  }
  // Only this list's namespace: the other namespaces' sessions own the rest of the cache.
  for (const [key, object] of cache)
    if ((namespace === undefined || object.metadata.namespace === namespace) && !listed.has(key)) {
      events.push({ _tag: "Deleted", object })
      next = HashMap.remove(next, key)
    }
  return [events, next]
}

/** Applies one watch event to the cache; duplicates (same resourceVersion) emit nothing. */
const applyEvent = (
  cache: Cache,
  type: "ADDED" | "MODIFIED" | "DELETED",
  object: KubeObject,
): [Option.Option<InformerEvent>, Cache] => {
  const key = keyOf(object)
  const previous = HashMap.get(cache, key)
  if (type === "DELETED")
    return [Option.some({ _tag: "Deleted", object }), HashMap.remove(cache, key)]
  const next = HashMap.set(cache, key, object)
  if (Option.isNone(previous)) return [Option.some({ _tag: "Added", object }), next]
  if (previous.value.metadata.resourceVersion === object.metadata.resourceVersion)
    return [Option.none(), next]
  return [Option.some({ _tag: "Updated", previous: previous.value, object }), next]
}

/** An informer over `kind`; its cache fills once `events` runs. */
export const makeInformer = (
  kind: { readonly apiVersion: string; readonly kind: string },
  options: InformerOptions = {},
): Effect.Effect<Informer, never, KubeClient> =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const cache = yield* Ref.make<Cache>(HashMap.empty())
    const scopes: ReadonlyArray<string | undefined> =
      options.namespaces === undefined || options.namespaces.length === 0
        ? [undefined]
        : [...new Set(options.namespaces)]
    const listedOnce = yield* Effect.forEach(scopes, () => Deferred.make<void>())
    const clean = (object: KubeObject) => {
      const stripped = stripManagedFields(object)
      return options.transform === undefined ? stripped : options.transform(stripped)
    }

    const session = (namespace: string | undefined, listed: Deferred.Deferred<void>) =>
      Effect.gen(function* () {
        const listOptions: ListOptions = {
          ...(namespace === undefined ? {} : { namespace }),
          ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
          ...(options.metadataOnly ? { metadataOnly: true } : {}),
        }
        // Streams have no annotateLogs: every log of this session goes through here.
        const annotated = Effect.annotateLogs({
          informer: `${kind.apiVersion} ${kind.kind}`,
          namespace: namespace ?? "*",
        })
        // None: the next attempt must re-list; Some: resume the watch from there.
        const resumeFrom = yield* Ref.make(Option.none<string>())

        const onWatchEvent = (event: WatchEvent) => {
          if (event.type === "BOOKMARK")
            return Effect.as(
              Ref.set(resumeFrom, Option.some(event.resourceVersion)),
              Option.none<InformerEvent>(),
            )
          const object = clean(event.object)
          return Ref.modify(cache, (c) => applyEvent(c, event.type, object)).pipe(
            Effect.zipLeft(
              object.metadata.resourceVersion === undefined
                ? Effect.void
                : Ref.set(resumeFrom, Option.some(object.metadata.resourceVersion)),
            ),
          )
        }

        // Bookmarks flow through as None, so they too count as progress for the backoff.
        const watchFrom = (resourceVersion: string) =>
          kube
            .watch(kind, { ...listOptions, resourceVersion })
            .pipe(Stream.mapEffect(onWatchEvent), Stream.concat(Stream.fail(new WatchEnded())))

        const relist = Effect.gen(function* () {
          const list = yield* kube.list(kind, listOptions)
          const changes = yield* Ref.modify(cache, (c) =>
            resync(c, namespace, list.items.map(clean)),
          )
          yield* Ref.set(resumeFrom, Option.some(list.resourceVersion))
          yield* Deferred.succeed(listed, undefined)
          yield* Effect.logDebug("informer listed").pipe(
            Effect.annotateLogs({ objects: list.items.length, changes: changes.length }),
            annotated,
          )
          return Stream.concat(
            Stream.fromIterable(changes.map(Option.some)),
            watchFrom(list.resourceVersion),
          )
        })

        const attempt: Stream.Stream<
          Option.Option<InformerEvent>,
          KubeError | WatchEnded
        > = Stream.unwrap(
          Effect.flatMap(Ref.get(resumeFrom), (from) =>
            Option.match(from, {
              onNone: () => relist,
              onSome: (rv) => Effect.succeed(watchFrom(rv)),
            }),
          ),
        )

        return attempt.pipe(
          Stream.tapError((error) =>
            (error._tag === "WatchEnded"
              ? Effect.logDebug("watch ended; resuming")
              : Effect.zipRight(
                  // Any failure, 410 Gone or not, re-lists: the diff against the cache then
                  // emits whatever the broken watch may have missed.
                  Ref.set(resumeFrom, Option.none()),
                  error._tag === "KubeGone"
                    ? Effect.logInfo("watch expired (410 Gone); re-listing")
                    : Effect.logWarning("watch failed; re-listing").pipe(
                        Effect.annotateLogs({ error: `${error._tag}: ${error.message}` }),
                      ),
                )
            ).pipe(annotated),
          ),
          Stream.retry(informerReconnectSchedule),
          Stream.filterMap((event) => event),
          // The reconnect schedule never ends, so a failure reaching here is a bug.
          Stream.orDie,
        )
      }).pipe(Stream.unwrap)

    return {
      kind,
      events: Stream.mergeAll(
        scopes.map((namespace, i) => session(namespace, listedOnce[i]!)),
        { concurrency: "unbounded" },
      ),
      get: (namespace, name) => Effect.map(Ref.get(cache), HashMap.get(cacheKey(namespace, name))),
      list: Effect.map(Ref.get(cache), (c) => [...HashMap.values(c)]),
      synced: Effect.forEach(listedOnce, Deferred.await, { discard: true }),
    } satisfies Informer
  })
