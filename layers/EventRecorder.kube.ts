import { createHash } from "node:crypto"
import { DateTime, Effect, Layer, SynchronizedRef } from "effect"
import { EventRecorder, type EventTarget } from "../src/controller/EventRecorder.ts"
import { FIELD_MANAGER } from "../src/inventory/Labels.ts"
import { KubeClient } from "../src/kube/KubeClient.ts"
import type { RunEvent } from "../src/programs/RunEvent.ts"

/** Identifies this process in `reportingInstance` (the pod name in a cluster). */
export interface EventRecorderOptions {
  readonly instance: string
}

/**
 * How many distinct events the aggregation table remembers; beyond it the one least
 * recently recorded is forgotten (its next repeat starts a new count on the same Event).
 */
export const MAX_REMEMBERED = 4096

/**
 * Events as core/v1 Event objects (what `kubectl describe` and `kubectl events` show),
 * aggregated like client-go's recorder: the same event about the same object is one Event
 * whose `count` and `lastTimestamp` grow, so a StageSet failing every retry does not
 * flood etcd. The name is derived from the event's content, and the write is a
 * server-side apply, so a repeat is one request whether or not we created it.
 */
export const makeEventRecorderKube = (options: EventRecorderOptions) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    // Mutated in place under the ref's lock: copying the table per event was O(entries).
    // A Map iterates in insertion order, so re-inserting an entry on each repeat keeps the
    // least recently recorded one first.
    const seen = yield* SynchronizedRef.make(
      new Map<string, { readonly count: number; readonly first: string }>(),
    )
    const record = (target: EventTarget, event: RunEvent) =>
      Effect.gen(function* () {
        const now = DateTime.formatIso(yield* DateTime.now)
        const digest = createHash("sha256")
          .update([target.uid ?? "", event.type, event.reason, event.message].join("\n"))
          .digest("hex")
          .slice(0, 16)
        const name = `${target.name}.${digest}`
        const key = `${target.namespace}/${name}`
        const entry = yield* SynchronizedRef.modify(seen, (table) => {
          const previous = table.get(key)
          const next = { count: (previous?.count ?? 0) + 1, first: previous?.first ?? now }
          table.delete(key)
          if (table.size >= MAX_REMEMBERED) table.delete(table.keys().next().value!)
          table.set(key, next)
          return [next, table]
        })
        yield* kube.apply(
          {
            apiVersion: "v1",
            kind: "Event",
            metadata: { name, namespace: target.namespace },
            involvedObject: {
              apiVersion: target.apiVersion,
              kind: target.kind,
              namespace: target.namespace,
              name: target.name,
              ...(target.uid === undefined ? {} : { uid: target.uid }),
            },
            type: event.type,
            reason: event.reason,
            // The API server refuses messages above 1 KiB in events.k8s.io; stay under it here too.
            message:
              event.message.length > 1024 ? `${event.message.slice(0, 1021)}...` : event.message,
            source: { component: FIELD_MANAGER },
            reportingComponent: FIELD_MANAGER,
            reportingInstance: options.instance,
            firstTimestamp: entry.first,
            lastTimestamp: now,
            count: entry.count,
          },
          { fieldManager: FIELD_MANAGER, force: true },
        )
      }).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("could not record an event").pipe(
            Effect.annotateLogs({ reason: event.reason, error: String(error) }),
          ),
        ),
      )
    return { record }
  })

/** EventRecorder over whichever KubeClient is provided (Live or InMemory). */
export const EventRecorderKube = (options: EventRecorderOptions) =>
  Layer.effect(EventRecorder, makeEventRecorderKube(options))
