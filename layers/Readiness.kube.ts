/**
 * Readiness over the KubeClient (Live or InMemory). One pass of GETs first;
 * whatever is not ready yet is then followed by a watch per distinct
 * (apiVersion, kind, namespace), so a stage turns ready as soon as its last
 * object does, with a slow re-check as a safety net for missed events.
 */
import { Deferred, Duration, Effect, Layer, Stream } from "effect"
import { ActingClient } from "../src/kube/ActingClient.ts"
import { describeKey } from "../src/kube/describeKey.ts"
import type { KubeClientApi } from "../src/kube/KubeClient.ts"
import type { KubeError } from "../src/kube/KubeError.ts"
import type { KubeObject, ObjectKey } from "../src/kube/KubeObject.ts"
import { keyOfObject } from "../src/programs/describe.ts"
import { VerifyFailed, VerifyTimeout } from "../src/programs/errors/verifyErrors.ts"
import {
  type ObjectReadiness,
  Readiness,
  type ReadinessJudge,
  type ReadyResult,
} from "../src/programs/Readiness.ts"
import { computeStatus, type ObjectStatus } from "../src/readiness/kstatus.ts"

export interface ReadinessKubeOptions {
  /** Safety-net re-check of the objects still not ready. Default 5 seconds. */
  readonly recheckEvery?: Duration.DurationInput
  /** Pause before re-listing after a watch failed. Default 1 second. */
  readonly rewatchAfter?: Duration.DurationInput
  /** GETs in flight. Default 16. */
  readonly concurrency?: number
}

const NOT_FOUND: ObjectStatus = { status: "InProgress", message: "not found" }
const NOT_CHECKED: ObjectStatus = { status: "InProgress", message: "not checked yet" }
/** Objects named in a VerifyTimeout message; the error's `pending` field has them all. */
const LISTED_IN_MESSAGE = 10

const groupIdOf = (key: ObjectKey) => `${key.apiVersion}|${key.kind}|${key.namespace ?? ""}`
const idOf = (key: ObjectKey) => `${groupIdOf(key)}|${key.name}`

/** The statuses of one wait, updated in place by the GETs, lists and watch events. */
class Tracker {
  readonly entries = new Map<string, { key: ObjectKey; status: ObjectStatus }>()
  currentCount = 0

  constructor(keys: ReadonlyArray<ObjectKey>) {
    for (const key of keys) {
      const id = idOf(key)
      if (!this.entries.has(id)) this.entries.set(id, { key, status: NOT_CHECKED })
    }
  }

  /** Records the latest status of a tracked object, keeping the count of Current ones. */
  record(id: string, status: ObjectStatus): void {
    const entry = this.entries.get(id)
    if (entry === undefined) return
    if (entry.status.status === "Current") this.currentCount--
    if (status.status === "Current") this.currentCount++
    entry.status = status
  }

  get allCurrent(): boolean {
    return this.currentCount === this.entries.size
  }

  pending(): ReadonlyArray<{ key: ObjectKey; status: ObjectStatus }> {
    return [...this.entries.values()].filter((entry) => entry.status.status !== "Current")
  }

  result(): ReadyResult {
    return {
      objects: [...this.entries.values()].map(
        ({ key, status }): ObjectReadiness => ({ key, ...status }),
      ),
    }
  }
}

const timeoutError = (tracker: Tracker, timeout: Duration.Duration): VerifyTimeout => {
  const pending = tracker.pending()
  const listed = pending
    .slice(0, LISTED_IN_MESSAGE)
    .map(({ key, status }) => `${describeKey(key)}: ${status.message}`)
  const more = pending.length - listed.length
  const objects = pending.length === 1 ? "1 object" : `${pending.length} objects`
  return new VerifyTimeout({
    timeout,
    pending: pending.map(({ key, status }) => ({ key, ...status })),
    message: `timed out after ${Duration.format(timeout)} waiting for ${objects}: ${listed.join("; ")}${more > 0 ? `; and ${more} more` : ""}`,
  })
}

export const makeReadinessKube = (options: ReadinessKubeOptions = {}) =>
  Readiness.of({
    waitReady: (keys, timeout, known, judge, onWait) =>
      Effect.flatMap(ActingClient, (kube) =>
        waitReady(
          kube,
          options,
          keys,
          Duration.decode(timeout),
          known ?? [],
          judge ?? computeStatus,
          onWait ?? Effect.void,
        ),
      ),
  })

const waitReady = (
  kube: KubeClientApi,
  options: ReadinessKubeOptions,
  keys: ReadonlyArray<ObjectKey>,
  timeout: Duration.Duration,
  known: ReadonlyArray<KubeObject>,
  judge: ReadinessJudge,
  onWait: Effect.Effect<void>,
): Effect.Effect<ReadyResult, VerifyTimeout | VerifyFailed | KubeError> => {
  const tracker = new Tracker(keys)
  const knownById = new Map<string, KubeObject>()
  for (const object of known) knownById.set(idOf(keyOfObject(object)), object)
  const concurrency = options.concurrency ?? 16
  const wait = Effect.gen(function* () {
    const done = yield* Deferred.make<ReadyResult, VerifyFailed | KubeError>()
    const record = (id: string, status: ObjectStatus) =>
      Effect.suspend(() => {
        tracker.record(id, status)
        if (status.status === "Failed") {
          const key = tracker.entries.get(id)?.key
          return key === undefined
            ? Effect.void
            : Deferred.fail(
                done,
                new VerifyFailed({ key, message: `${describeKey(key)} failed: ${status.message}` }),
              )
        }
        return tracker.allCurrent ? Deferred.succeed(done, tracker.result()) : Effect.void
      })
    const observe = (key: ObjectKey, object: KubeObject | undefined) =>
      record(idOf(key), object === undefined ? NOT_FOUND : judge(object))
    const check = (key: ObjectKey) =>
      kube.get(key).pipe(
        Effect.map((object): KubeObject | undefined => object),
        Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
        Effect.flatMap((object) => observe(key, object)),
      )
    const checkPending = Effect.suspend(() =>
      Effect.forEach(
        tracker.pending().map((entry) => entry.key),
        check,
        { concurrency, discard: true },
      ),
    )

    // Objects the caller already holds are judged in one plain pass, in order, without a
    // fiber each (5 000 of them on a no-op reconcile, B2); only the others are fetched.
    const unknown: Array<ObjectKey> = []
    for (const [id, { key }] of tracker.entries) {
      const object = knownById.get(id)
      if (object === undefined) unknown.push(key)
      else yield* observe(key, object)
    }
    yield* Effect.forEach(unknown, check, { concurrency, discard: true })
    if (yield* Deferred.isDone(done)) return yield* Deferred.await(done)
    if (tracker.allCurrent) return tracker.result()
    yield* onWait

    // Watch each group that still has something to wait for; events for its other members count too.
    const groups = new Map<string, Array<ObjectKey>>()
    for (const { key } of tracker.entries.values()) {
      const group = groups.get(groupIdOf(key)) ?? []
      group.push(key)
      groups.set(groupIdOf(key), group)
    }
    const pendingGroups = new Set(tracker.pending().map(({ key }) => groupIdOf(key)))
    for (const [groupId, members] of groups) {
      if (!pendingGroups.has(groupId)) continue
      yield* Effect.forkScoped(
        followGroup(kube, members, observe, options.rewatchAfter ?? "1 second"),
      )
    }
    // Safety net: a lost event, or a watch the identity may not open, still ends the wait.
    yield* Effect.forkScoped(
      checkPending.pipe(
        Effect.delay(options.recheckEvery ?? "5 seconds"),
        Effect.forever,
        Effect.catchAll((error) => Deferred.fail(done, error)),
      ),
    )
    return yield* Deferred.await(done)
  })
  return Effect.scoped(wait).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => timeoutError(tracker, timeout) }),
    Effect.withSpan("waitReady", { attributes: { objects: tracker.entries.size } }),
  )
}

/**
 * List + watch one (apiVersion, kind, namespace) for as long as the wait lasts,
 * re-listing when the watch ends or fails (410 Gone included).
 */
const followGroup = (
  kube: KubeClientApi,
  members: ReadonlyArray<ObjectKey>,
  observe: (key: ObjectKey, object: KubeObject | undefined) => Effect.Effect<void>,
  rewatchAfter: Duration.DurationInput,
): Effect.Effect<never> => {
  const first = members[0]!
  const kind = { apiVersion: first.apiVersion, kind: first.kind }
  const byName = new Map(members.map((key) => [key.name, key]))
  // One member: let the server filter; several: the whole namespace of that kind.
  const selection = {
    ...(first.namespace === undefined || first.namespace === ""
      ? {}
      : { namespace: first.namespace }),
    ...(members.length === 1 ? { fieldSelector: `metadata.name=${first.name}` } : {}),
  }
  const once = Effect.gen(function* () {
    const list = yield* kube.list(kind, selection)
    const listed = new Map(list.items.map((object) => [object.metadata.name, object]))
    for (const [name, key] of byName) yield* observe(key, listed.get(name))
    yield* kube.watch(kind, { ...selection, resourceVersion: list.resourceVersion }).pipe(
      Stream.runForEach((event) => {
        if (event.type === "BOOKMARK") return Effect.void
        const key = byName.get(event.object.metadata.name)
        if (key === undefined) return Effect.void
        return observe(key, event.type === "DELETED" ? undefined : event.object)
      }),
    )
  })
  return once.pipe(
    Effect.catchAll((error) =>
      Effect.logDebug("readiness watch ended with an error; listing again", error),
    ),
    Effect.zipRight(Effect.sleep(rewatchAfter)),
    Effect.forever,
  )
}

/** Readiness over the acting identity's client (`ActingClient`, bound per stage by the run). */
export const ReadinessKube = (options: ReadinessKubeOptions = {}) =>
  Layer.succeed(Readiness, makeReadinessKube(options))
