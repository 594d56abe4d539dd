import { Effect, Option, PubSub, Stream } from "effect"
import { fromStatus, type KubeError } from "../../src/kube/KubeError.ts"
import type { WatchEvent } from "../../src/kube/KubeObject.ts"
import { type Selection, selectObjects, selects } from "./ReadOps.ts"
import { present, refuse } from "./Resolve.ts"
import { groupKindKey } from "./ResourceTable.ts"
import { runOp } from "./runOp.ts"
import { badRequest } from "./ServerErrors.ts"
import type { Change, Store } from "./Store.ts"

/**
 * Watches: the retained history replays what happened after the requested resourceVersion, a
 * PubSub carries what happens next. Subscribing and reading the history happen under the write
 * lock, and writes publish under it too, so a watch sees every change exactly once, in order.
 */

export type HubMessage =
  | { readonly _tag: "change"; readonly change: Change }
  | { readonly _tag: "close"; readonly gone: boolean }

export interface WatchDeps {
  readonly store: Store
  readonly lock: Effect.Semaphore
  readonly hub: PubSub.PubSub<HubMessage>
  /** Open watch streams (subscribed and not yet closed). */
  readonly watchers: { count: number }
}

/** Publishes (and forgets) the changes the last call made; run while holding the lock. */
export const publishPending = (deps: WatchDeps): Effect.Effect<void> =>
  Effect.suspend(() => {
    const changes = deps.store.pending.splice(0)
    return changes.length === 0
      ? Effect.void
      : PubSub.publishAll(
          deps.hub,
          changes.map((change): HubMessage => ({ _tag: "change", change })),
        )
  })

/** How one watcher sees a change: label selectors turn transitions into ADDED/DELETED. */
const toEvent = (selection: Selection, change: Change): WatchEvent | undefined => {
  const def = selection.target.def
  if (change.groupKind !== groupKindKey(def.group, def.kind)) return undefined
  const after = change.type !== "DELETED" && selects(selection, change.object)
  const before = change.type !== "ADDED" && selects(selection, change.previous)
  const type = after && before ? "MODIFIED" : after ? "ADDED" : before ? "DELETED" : undefined
  return type === undefined
    ? undefined
    : { type, object: present(change.object, selection.target.apiVersion) }
}

const gone = (resourceVersion: string, store: Store, request: string): KubeError =>
  fromStatus(
    410,
    `too old resource version: ${resourceVersion} (${store.compactedThrough + 1})`,
    request,
  )

const replay = (
  store: Store,
  selection: Selection,
  resourceVersion: string,
): ReadonlyArray<WatchEvent> => {
  const request = selection.target.request
  if (resourceVersion === "" || resourceVersion === "0")
    return selectObjects(store, selection).map((object) => ({
      type: "ADDED",
      object: present(object, selection.target.apiVersion),
    }))
  const after = Number(resourceVersion)
  if (!Number.isInteger(after) || after < 0)
    return refuse(badRequest(`invalid resource version: ${resourceVersion}`, request))
  if (after < store.compactedThrough) return refuse(gone(resourceVersion, store, request))
  return store.history
    .filter((change) => change.rv > after)
    .flatMap((change) => {
      const event = toEvent(selection, change)
      return event === undefined ? [] : [event]
    })
}

export const watchChanges = (
  deps: WatchDeps,
  selection: Selection,
  resourceVersion: string,
): Stream.Stream<WatchEvent, KubeError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const { events, dequeue } = yield* deps.lock.withPermits(1)(
        Effect.gen(function* () {
          const dequeue = yield* PubSub.subscribe(deps.hub)
          yield* Effect.acquireRelease(
            Effect.sync(() => {
              deps.watchers.count += 1
            }),
            () =>
              Effect.sync(() => {
                deps.watchers.count -= 1
              }),
          )
          const events = yield* runOp(() => replay(deps.store, selection, resourceVersion))
          return { events, dequeue }
        }),
      )
      const closed = gone(resourceVersion, deps.store, selection.target.request)
      const live = Stream.fromQueue(dequeue).pipe(
        Stream.mapEffect((message) =>
          message._tag === "change"
            ? Effect.succeed(message.change)
            : message.gone
              ? Effect.fail(closed)
              : Effect.succeed(undefined),
        ),
        Stream.takeWhile((change): change is Change => change !== undefined),
        Stream.filterMap((change) => Option.fromNullable(toEvent(selection, change))),
      )
      return Stream.concat(Stream.fromIterable(events), live)
    }),
  )
