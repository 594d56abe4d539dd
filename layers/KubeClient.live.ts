import type { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import { Duration, Effect, Layer, Predicate, type Scope, Stream } from "effect"
import {
  type ApplyOptions,
  type DeleteOptions,
  KubeClient,
  type KubeClientApi,
  type ListOptions,
  type WatchOptions,
} from "../src/kube/KubeClient.ts"
import { type KubeError, KubeTransport } from "../src/kube/KubeError.ts"
import type { KubeObject, ObjectKey, ObjectList, ResourceInfo } from "../src/kube/KubeObject.ts"
import { type Discovery, makeDiscovery } from "./live/discovery.ts"
import { type KubeConfigError, KubeConfigSource, loadKubeConfig } from "./live/loadKubeConfig.ts"
import { collectionPath, objectPath, withQuery } from "./live/paths.ts"
import { makeTransport, type Transport } from "./live/transport.ts"
import {
  METADATA_ACCEPT,
  METADATA_LIST_ACCEPT,
  metadataAs,
  watchEvents,
  withTypeMeta,
} from "./live/watchEvents.ts"

export interface KubeClientLiveConfig {
  readonly kubeconfig: KubeConfig
  readonly userAgent?: string
  /** Deadline of one request (not of a watch); default 60 seconds. */
  readonly requestTimeout?: Duration.DurationInput
  /** Connection pool size; every open watch holds one connection. Default 100. */
  readonly maxSockets?: number
  /** Use aggregated discovery (default true); false walks every group version like older servers need. */
  readonly aggregatedDiscovery?: boolean
  /** Objects per LIST page; default 5 000 (see below). */
  readonly listPageSize?: number
}

type Kind = { readonly apiVersion: string; readonly kind: string }

/**
 * Big lists arrive in pages of this size, joined by `continue` tokens. Every caller keeps the
 * whole list anyway, so small pages only add round trips: 5 000 (the default shard cap) lets
 * the no-op fast path and ApplySet discovery see a whole default-sized stage in one LIST.
 */
const defaultPageSize = 5000

/**
 * The KubeClient over HTTP. No retries and no rate limiting here: the shared
 * resilient wrapper adds both around any KubeClient. managedFields are kept,
 * because the prune rules read them.
 */
export const makeKubeClientLive = (
  config: KubeClientLiveConfig,
): Effect.Effect<KubeClientApi, KubeConfigError, Scope.Scope> =>
  Effect.gen(function* () {
    const kc = config.kubeconfig
    const transport = yield* makeTransport({
      kubeconfig: kc,
      userAgent: config.userAgent ?? "stageset-controller",
      requestTimeout: Duration.decode(config.requestTimeout ?? Duration.seconds(60)),
      maxSockets: config.maxSockets ?? 100,
    })
    const discovery = yield* makeDiscovery(transport, {
      aggregated: config.aggregatedDiscovery ?? true,
    })
    // Like kubectl: a namespaced object without a namespace goes to the context's namespace.
    const defaultNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || "default"
    return makeApi(transport, discovery, defaultNamespace, config.listPageSize ?? defaultPageSize)
  })

/** The client the composition root builds from the resolved kubeconfig (KubeConfigSource). */
export const KubeClientLive: Layer.Layer<KubeClient, KubeConfigError, KubeConfigSource> =
  Layer.scoped(
    KubeClient,
    Effect.gen(function* () {
      const source = yield* KubeConfigSource
      const { kubeconfig } = yield* loadKubeConfig(source)
      return yield* makeKubeClientLive(
        source.userAgent === undefined
          ? { kubeconfig }
          : { kubeconfig, userAgent: source.userAgent },
      )
    }),
  )

const makeApi = (
  transport: Transport,
  discovery: Discovery,
  defaultNamespace: string,
  pageSize: number,
): KubeClientApi => {
  const namespaceOf = (info: ResourceInfo, namespace: string | undefined) =>
    info.namespaced ? namespace || defaultNamespace : undefined

  const locate = (key: ObjectKey, subresource?: "status") =>
    Effect.map(discovery.discover(key.apiVersion, key.kind), (info) => ({
      info,
      path: objectPath(info, namespaceOf(info, key.namespace), key.name, subresource),
    }))

  const asObject = (
    value: unknown,
    request: string,
    kind: Kind,
  ): Effect.Effect<KubeObject, KubeError> => {
    const object = withTypeMeta(value, kind.apiVersion, kind.kind)
    return object === undefined
      ? Effect.fail(new KubeTransport({ message: "the response is not an object", request }))
      : Effect.succeed(object)
  }

  const keyOf = (object: KubeObject): ObjectKey => {
    const { apiVersion, kind, metadata } = object
    return metadata.namespace === undefined
      ? { apiVersion, kind, name: metadata.name }
      : { apiVersion, kind, name: metadata.name, namespace: metadata.namespace }
  }

  /** One write of a whole object, answered with the live object. */
  const write = (
    method: "PUT" | "PATCH",
    object: KubeObject,
    extra: {
      readonly subresource?: "status"
      readonly query?: Record<string, string | undefined>
      readonly contentType?: string
      readonly body?: unknown
    } = {},
  ) =>
    Effect.gen(function* () {
      const { path } = yield* locate(keyOf(object), extra.subresource)
      const fullPath = withQuery(path, extra.query ?? {})
      const request = {
        method,
        path: fullPath,
        body: extra.body ?? object,
        ...(extra.contentType === undefined ? {} : { contentType: extra.contentType }),
      }
      const live = yield* transport.json(request)
      return yield* asObject(live, `${method} ${path}`, object)
    })

  const apply = (object: KubeObject, options: ApplyOptions) => {
    // The server refuses an apply patch that carries managedFields; an object
    // read back from the server would, so they are left out of the patch.
    const { managedFields: _omit, ...metadata } = object.metadata
    return write("PATCH", object, {
      contentType: "application/apply-patch+yaml",
      body: { ...object, metadata },
      query: {
        fieldManager: options.fieldManager,
        force: String(options.force),
        dryRun: options.dryRun ? "All" : undefined,
      },
    })
  }

  const get = (key: ObjectKey) =>
    Effect.gen(function* () {
      const { path } = yield* locate(key)
      const live = yield* transport.json({ method: "GET", path })
      return yield* asObject(live, `GET ${path}`, key)
    })

  const list = (kind: Kind, options: ListOptions = {}) =>
    Effect.gen(function* () {
      const info = yield* discovery.discover(kind.apiVersion, kind.kind)
      const path = collectionPath(info, options.namespace)
      const shape = options.metadataOnly ? metadataAs : withTypeMeta
      const items: Array<KubeObject> = []
      let resourceVersion = ""
      let token: string | undefined
      do {
        const page = yield* transport.json({
          method: "GET",
          path: withQuery(path, {
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
            limit: String(pageSize),
            continue: token,
          }),
          ...(options.metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
        })
        const metadata =
          Predicate.isRecord(page) && Predicate.isRecord(page.metadata) ? page.metadata : {}
        for (const item of Predicate.isRecord(page) && Array.isArray(page.items)
          ? page.items
          : []) {
          const object = shape(item, kind.apiVersion, info.kind)
          if (object !== undefined) items.push(object)
        }
        // Every page is served from the snapshot of the first one; its version is the list's.
        if (typeof metadata.resourceVersion === "string") resourceVersion = metadata.resourceVersion
        token =
          typeof metadata.continue === "string" && metadata.continue !== ""
            ? metadata.continue
            : undefined
      } while (token !== undefined)
      return { items, resourceVersion } satisfies ObjectList
    })

  const create = (object: KubeObject) =>
    Effect.gen(function* () {
      const info = yield* discovery.discover(object.apiVersion, object.kind)
      const path = collectionPath(info, namespaceOf(info, object.metadata.namespace))
      const live = yield* transport.json({ method: "POST", path, body: object })
      return yield* asObject(live, `POST ${path}`, object)
    })

  const remove = (key: ObjectKey, options: DeleteOptions = {}) =>
    Effect.gen(function* () {
      const { path } = yield* locate(key)
      const body = {
        apiVersion: "v1",
        kind: "DeleteOptions",
        ...(options.propagationPolicy === undefined
          ? {}
          : { propagationPolicy: options.propagationPolicy }),
        ...(options.uid === undefined ? {} : { preconditions: { uid: options.uid } }),
      }
      yield* transport.json({ method: "DELETE", path, body })
    })

  const watch = (kind: Kind, options: WatchOptions) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const info = yield* discovery.discover(kind.apiVersion, kind.kind)
        const path = collectionPath(info, options.namespace)
        // Like client-go's reflector: the server ends the watch after 5-10 minutes, so a
        // connection that silently died is noticed; the caller re-watches from its last version.
        const timeoutSeconds = 300 + Math.floor(Math.random() * 300)
        const response = yield* transport.open({
          method: "GET",
          path: withQuery(path, {
            watch: "1",
            resourceVersion: options.resourceVersion,
            allowWatchBookmarks: "true",
            timeoutSeconds: String(timeoutSeconds),
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
          }),
          idleTimeout: Duration.seconds(timeoutSeconds + 60),
          ...(options.metadataOnly ? { accept: METADATA_ACCEPT } : {}),
        })
        return watchEvents(
          response,
          `WATCH ${path}`,
          { apiVersion: kind.apiVersion, kind: info.kind },
          options.metadataOnly,
        )
      }),
    )

  return {
    apply,
    get,
    list,
    create,
    update: (object) => write("PUT", object),
    updateStatus: (object) => write("PUT", object, { subresource: "status" }),
    delete: remove,
    watch,
    discover: discovery.discover,
    resources: discovery.resources,
    invalidateDiscovery: discovery.invalidate,
    // Discovery is shared: it describes the server, not what this identity may do.
    impersonate: (username) =>
      makeApi(
        transport.withHeaders({ "Impersonate-User": username }),
        discovery,
        defaultNamespace,
        pageSize,
      ),
  }
}
