import { Context, type Duration, type Effect, type Option } from "effect"
import type { KubeError } from "../../src/kube/KubeError.ts"
import type { KubeObject, ObjectKey } from "../../src/kube/KubeObject.ts"

/** Every call the in-memory server logs and can fault, named after the KubeClient method. */
export type Verb =
  | "apply"
  | "create"
  | "update"
  | "updateStatus"
  | "delete"
  | "get"
  | "list"
  | "watch"
  | "discover"
  | "resources"

export type WriteVerb = "apply" | "create" | "update" | "updateStatus" | "delete"

/** One successful write, in the order the server performed them. */
export interface WriteLogEntry {
  readonly seq: number
  readonly verb: WriteVerb
  readonly key: ObjectKey
  /** The caller's user name (impersonated or not), or the manager of a driver write. */
  readonly identity: string
  /** `client`: a KubeClient call; `driver`: the test itself (writeAs, setStatus, ...). */
  readonly origin: "client" | "driver"
  /** False when the write left the object as it was (no new resourceVersion). */
  readonly changed: boolean
  /** The object's resourceVersion after the write (for a removal: of the DELETED event). */
  readonly resourceVersion: string
}

/** Every KubeClient call, reads included, with how it ended. */
export interface RequestLogEntry {
  readonly seq: number
  readonly verb: Verb
  readonly apiVersion: string
  readonly kind: string
  readonly namespace?: string
  readonly name?: string
  readonly identity: string
  readonly outcome: "ok" | KubeError["_tag"]
}

/** Which calls a fault applies to; absent members match anything. */
export interface FaultMatch {
  readonly verb?: Verb | ReadonlyArray<Verb>
  readonly kind?: string
  readonly namespace?: string
  readonly name?: string
}

/** 429 KubeTooManyRequests, 5xx KubeTransport with status, 409 KubeConflict, 410 KubeGone, reset: KubeTransport without status. */
export type FaultKind = "429" | "500" | "503" | "409" | "410" | "reset"

export interface ObjectFilter {
  readonly apiVersion?: string
  readonly kind?: string
  readonly namespace?: string
  readonly labelSelector?: string
}

export interface WriteAsOptions {
  /** Default `apply`. `update` is a PUT (no resourceVersion: unconditional), `create` a POST. */
  readonly operation?: "apply" | "create" | "update"
  /** For `apply`: take conflicting fields over. Default false. */
  readonly force?: boolean
}

/** Test-only control of the in-memory API server; the programs never see it. */
export interface InMemoryDriverApi {
  /** Snapshot (deep copies) of stored objects, ordered by kind, namespace, name. */
  readonly objects: (filter?: ObjectFilter) => Effect.Effect<ReadonlyArray<KubeObject>>
  readonly getObject: (key: ObjectKey) => Effect.Effect<Option.Option<KubeObject>>
  /** How many watch streams are open (subscribed): wait for it before scripting live events. */
  readonly activeWatches: Effect.Effect<number>
  /** The current cluster-wide resourceVersion. */
  readonly resourceVersion: Effect.Effect<string>
  readonly writeLog: Effect.Effect<ReadonlyArray<WriteLogEntry>>
  readonly requestLog: Effect.Effect<ReadonlyArray<RequestLogEntry>>
  readonly clearLogs: Effect.Effect<void>
  /** The next `n` matching calls fail with `error` before doing anything. */
  readonly failNext: (
    n: number,
    match: FaultMatch,
    error: FaultKind,
    options?: { readonly retryAfterSeconds?: number },
  ) => Effect.Effect<void>
  /** The next `n` matching calls are performed, then the caller gets a connection reset (a lost response). */
  readonly failAfter: (n: number, match: FaultMatch) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /** Every client call first sleeps this long (Effect.sleep: TestClock controls it). Zero: off. */
  readonly latency: (duration: Duration.DurationInput) => Effect.Effect<void>
  /** Calls by `username` fail with 403, for the given verbs (default all but discovery) and namespaces (default all; "" = cluster scope). */
  readonly denyIdentity: (
    username: string,
    verbs?: ReadonlyArray<Verb>,
    namespaces?: ReadonlyArray<string>,
  ) => Effect.Effect<void>
  readonly allowIdentity: (username: string) => Effect.Effect<void>
  /** Writes as another field manager (kubectl, another controller). */
  readonly writeAs: (
    manager: string,
    object: KubeObject,
    options?: WriteAsOptions,
  ) => Effect.Effect<KubeObject, KubeError>
  /** Replaces `.status` as a kubelet or controller would: new resourceVersion, never a new generation. */
  readonly setStatus: {
    (
      key: ObjectKey,
      status: (current: KubeObject) => unknown,
      options?: { readonly manager?: string },
    ): Effect.Effect<KubeObject, KubeError>
    (
      key: ObjectKey,
      status: unknown,
      options?: { readonly manager?: string },
    ): Effect.Effect<KubeObject, KubeError>
  }
  /** Clears every finalizer (an object being deleted then goes away). */
  readonly removeFinalizers: (key: ObjectKey) => Effect.Effect<void, KubeError>
  /** Called after each successful write (client and driver writes, not the emulated controllers), before the caller resumes. Returns the unregistration. */
  readonly onWrite: (
    hook: (entry: WriteLogEntry) => Effect.Effect<void>,
  ) => Effect.Effect<Effect.Effect<void>>
  /** Drops the whole watch history: watches from an older resourceVersion fail with 410. */
  readonly expireWatchHistory: Effect.Effect<void>
  /** Ends every open watch stream (cleanly, or with 410 when `gone`), as a server restart would. */
  readonly closeWatches: (options?: { readonly gone?: boolean }) => Effect.Effect<void>
  /** Pauses the emulated controllers (namespace, GC, CRD); unpausing runs what accumulated. */
  readonly pauseControllers: (paused: boolean) => Effect.Effect<void>
}

export class InMemoryDriver extends Context.Tag("stageset/InMemoryDriver")<
  InMemoryDriver,
  InMemoryDriverApi
>() {}
