import { Context, type Effect, type Stream } from "effect"
import type { KubeError } from "./KubeError.ts"
import type { KubeObject, ObjectKey, ObjectList, ResourceInfo, WatchEvent } from "./KubeObject.ts"

/** Which objects a list or watch selects. */
export interface ListOptions {
  /** Absent: all namespaces (or cluster scope for cluster-scoped kinds). */
  readonly namespace?: string
  readonly labelSelector?: string
  readonly fieldSelector?: string
  /**
   * Only each object's type and `metadata` (the API server's PartialObjectMetadata, typed as
   * the listed kind): for callers that need no more, so neither spec, data nor status
   * crosses the wire, like client-go's metadata informers.
   */
  readonly metadataOnly?: boolean
}

export interface WatchOptions extends ListOptions {
  /** Start after this resourceVersion (from a list); the stream fails with KubeGone when it is too old. */
  readonly resourceVersion: string
}

export interface ApplyOptions {
  readonly fieldManager: string
  /** Take over fields owned by other managers (server-side apply `force=true`). */
  readonly force: boolean
  /** Server-side dry run: validate and compute the result without persisting it. */
  readonly dryRun?: boolean
}

export interface DeleteOptions {
  readonly propagationPolicy?: "Background" | "Foreground" | "Orphan"
  /** Delete only if the live object still has this uid (guards against deleting a recreated object). */
  readonly uid?: string
}

/** The surface of the Kubernetes API the programs use. Implementations: Live (HTTP) and InMemory. */
export interface KubeClientApi {
  /** Server-side apply of a whole object (PATCH application/apply-patch+yaml); returns the live object. */
  readonly apply: (
    object: KubeObject,
    options: ApplyOptions,
  ) => Effect.Effect<KubeObject, KubeError>
  /** Reads one object; fails with KubeNotFound when it (or its kind) does not exist. */
  readonly get: (key: ObjectKey) => Effect.Effect<KubeObject, KubeError>
  /** Lists the objects of one kind, addressed by apiVersion and kind. */
  readonly list: (
    kind: { readonly apiVersion: string; readonly kind: string },
    options?: ListOptions,
  ) => Effect.Effect<ObjectList, KubeError>
  /** Creates an object; fails with KubeConflict(AlreadyExists) when it exists. */
  readonly create: (object: KubeObject) => Effect.Effect<KubeObject, KubeError>
  /** Replaces an object (PUT); `metadata.resourceVersion`, when set, is a precondition (409 on mismatch). */
  readonly update: (object: KubeObject) => Effect.Effect<KubeObject, KubeError>
  /** Replaces the status subresource; never bumps generation. */
  readonly updateStatus: (object: KubeObject) => Effect.Effect<KubeObject, KubeError>
  /** Requests deletion; fails with KubeNotFound when the object is already gone. */
  readonly delete: (key: ObjectKey, options?: DeleteOptions) => Effect.Effect<void, KubeError>
  /** Streams changes after `resourceVersion`; fails with KubeGone when the server cannot resume. */
  readonly watch: (
    kind: { readonly apiVersion: string; readonly kind: string },
    options: WatchOptions,
  ) => Stream.Stream<WatchEvent, KubeError>
  /** Looks up how a kind is served (plural, scope); fails with KubeNotFound for an unknown kind. */
  readonly discover: (apiVersion: string, kind: string) => Effect.Effect<ResourceInfo, KubeError>
  /** Every served resource, at each group's preferred version. */
  readonly resources: () => Effect.Effect<ReadonlyArray<ResourceInfo>, KubeError>
  /** Forgets cached discovery, e.g. after a CRD was established. */
  readonly invalidateDiscovery: Effect.Effect<void>
  /** The same API, acting as another identity (impersonation of a ServiceAccount). */
  readonly impersonate: (username: string) => KubeClientApi
}

export class KubeClient extends Context.Tag("stageset/KubeClient")<KubeClient, KubeClientApi>() {}
