import { Context, type Effect } from "effect"
import type { RunEvent } from "../programs/RunEvent.ts"

/** The object an event is about. */
export interface EventTarget {
  readonly apiVersion: string
  readonly kind: string
  readonly namespace: string
  readonly name: string
  readonly uid?: string
}

/**
 * Kubernetes Events for what a reconcile changed. Best effort: an event that cannot be
 * written is logged and dropped, it never fails a reconcile.
 */
export class EventRecorder extends Context.Tag("stageset/EventRecorder")<
  EventRecorder,
  {
    /** Records one event about `target`. */
    readonly record: (target: EventTarget, event: RunEvent) => Effect.Effect<void>
  }
>() {}
