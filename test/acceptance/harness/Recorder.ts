import { Context, Effect, Layer, Ref, Stream } from "effect"
import { KubeClient, type KubeClientApi } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"

/** One successful write the programs made, as the acceptance suite sees it. */
export interface RecordedWrite {
  readonly verb: "apply" | "create" | "update" | "updateStatus" | "delete"
  readonly key: ObjectKey
  /** What a status write wrote (the `status` it sent). */
  readonly status?: unknown
}

/** Thrown (as a defect) into the program right after the write that was chosen to be the last. */
export class SimulatedCrash {
  readonly _tag = "SimulatedCrash"
  readonly afterWrite: number
  constructor(afterWrite: number) {
    this.afterWrite = afterWrite
  }
}

/** One read the programs made: what it costs the API server. */
export interface RecordedRead {
  readonly verb: "get" | "list"
  readonly kind: string
  readonly namespace: string | undefined
}

export interface RecorderApi {
  readonly writes: Effect.Effect<ReadonlyArray<RecordedWrite>>
  /** Reads (GET and LIST, successful or not) since the last `clear`. */
  readonly reads: Effect.Effect<ReadonlyArray<RecordedRead>>
  readonly clear: Effect.Effect<void>
  /** The process "dies" right after its n-th successful write from now on (1-based); undefined disarms. */
  readonly crashAfter: (n: number | undefined) => Effect.Effect<void>
}

export class Recorder extends Context.Tag("test/Recorder")<Recorder, RecorderApi>() {}

const keyOf = (object: KubeObject): ObjectKey => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  name: object.metadata.name,
  ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
})

/**
 * Wraps the KubeClient the programs see, in front of either the InMemory or the Live
 * client, so the same scenario can list the writes it caused and be killed after any one
 * of them (acceptance S13). The crash is a defect raised after the write reached the
 * server, exactly what a process dying between two calls looks like to the cluster.
 */
export const RecorderLayer = Layer.effect(
  Recorder,
  Effect.gen(function* () {
    const log = yield* Ref.make<ReadonlyArray<RecordedWrite>>([])
    const reads = yield* Ref.make<ReadonlyArray<RecordedRead>>([])
    const crash = yield* Ref.make<{ at: number | undefined; seen: number }>({
      at: undefined,
      seen: 0,
    })
    return {
      writes: Ref.get(log),
      reads: Ref.get(reads),
      clear: Effect.zipRight(Ref.set(log, []), Ref.set(reads, [])),
      read: (read: RecordedRead) => Ref.update(reads, (l) => [...l, read]),
      crashAfter: (n) => Ref.set(crash, { at: n, seen: 0 }),
      record: (write: RecordedWrite) =>
        Effect.gen(function* () {
          yield* Ref.update(log, (l) => [...l, write])
          const state = yield* Ref.updateAndGet(crash, (c) => ({ ...c, seen: c.seen + 1 }))
          if (state.at !== undefined && state.seen === state.at) {
            yield* Ref.set(crash, { at: undefined, seen: 0 })
            return yield* Effect.die(new SimulatedCrash(state.at))
          }
        }),
    } as RecorderApi & Recording
  }),
)

/** What the recording client reports to the Recorder. */
interface Recording {
  readonly record: (write: RecordedWrite) => Effect.Effect<void>
  readonly read: (read: RecordedRead) => Effect.Effect<void>
}

/** KubeClient in front of the inner one, reporting every successful write and every read to the Recorder. */
export const recordingKubeClient = Layer.effect(
  KubeClient,
  Effect.gen(function* () {
    const inner = yield* KubeClient
    const recorder = (yield* Recorder) as RecorderApi & Recording
    const wrap = (client: KubeClientApi): KubeClientApi => {
      const after =
        <A>(verb: RecordedWrite["verb"], key: ObjectKey, status?: unknown) =>
        (effect: Effect.Effect<A, import("../../../src/kube/KubeError.ts").KubeError>) =>
          Effect.tap(effect, () =>
            recorder.record(status === undefined ? { verb, key } : { verb, key, status }),
          )
      return {
        ...client,
        get: (key) =>
          Effect.zipRight(
            recorder.read({ verb: "get", kind: key.kind, namespace: key.namespace }),
            client.get(key),
          ),
        list: (kind, options) =>
          Effect.zipRight(
            recorder.read({ verb: "list", kind: kind.kind, namespace: options?.namespace }),
            client.list(kind, options),
          ),
        apply: (object, options) =>
          options.dryRun === true
            ? client.apply(object, options)
            : after<KubeObject>("apply", keyOf(object))(client.apply(object, options)),
        create: (object) => after<KubeObject>("create", keyOf(object))(client.create(object)),
        update: (object) => after<KubeObject>("update", keyOf(object))(client.update(object)),
        updateStatus: (object) =>
          after<KubeObject>(
            "updateStatus",
            keyOf(object),
            object.status,
          )(client.updateStatus(object)),
        delete: (key, options) => after<void>("delete", key)(client.delete(key, options)),
        watch: (kind, options) => Stream.suspend(() => client.watch(kind, options)),
        impersonate: (username) => wrap(client.impersonate(username)),
      }
    }
    return wrap(inner)
  }),
)
