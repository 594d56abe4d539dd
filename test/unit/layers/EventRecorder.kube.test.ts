import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, TestClock } from "effect"
import { MAX_REMEMBERED, makeEventRecorderKube } from "../../../layers/EventRecorder.kube.ts"
import { makeKubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"

const target = {
  apiVersion: "stages.metio.wtf/v1",
  kind: "StageSet",
  namespace: "apps",
  name: "web",
  uid: "0a7c6f3e-1111-4222-8333-944455556666",
}
const failed = (message: string) => ({ type: "Warning" as const, reason: "ApplyFailed", message })

const setup = Effect.gen(function* () {
  const { client } = yield* makeKubeClientInMemory()
  yield* client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } })
  const recorder = yield* makeEventRecorderKube({ instance: "pod-1" }).pipe(
    Effect.provideService(KubeClient, client),
  )
  const events = Effect.map(
    client.list({ apiVersion: "v1", kind: "Event" }, { namespace: "apps" }),
    (list) => list.items,
  )
  const countOf = (message: string) =>
    Effect.map(events, (items) => items.find((e) => e.message === message)?.count)
  return { recorder, events, countOf }
})

describe("EventRecorderKube", () => {
  it.effect("a repeated event is one Event whose count and lastTimestamp grow", () =>
    Effect.gen(function* () {
      const { recorder, events } = yield* setup
      // Relative to the clock at the start: once in CI (1 run in 3) this test's TestClock
      // did not start at the epoch (not reproduced alone; the times were 169 s later).
      const start = yield* Clock.currentTimeMillis
      const at = (millis: number) => new Date(millis).toISOString()
      yield* recorder.record(target, failed("stage app: boom"))
      yield* TestClock.adjust(Duration.minutes(2))
      yield* recorder.record(target, failed("stage app: boom"))
      yield* recorder.record(target, failed("stage app: other"))
      const items = yield* events
      expect(items).toHaveLength(2)
      const repeated = items.find((e) => e.message === "stage app: boom")!
      expect(repeated).toMatchObject({
        type: "Warning",
        reason: "ApplyFailed",
        count: 2,
        firstTimestamp: at(start),
        lastTimestamp: at(start + Duration.toMillis(Duration.minutes(2))),
        involvedObject: { kind: "StageSet", name: "web", uid: target.uid },
        reportingInstance: "pod-1",
      })
      expect(repeated.metadata.name).toMatch(/^web\.[0-9a-f]{16}$/)
    }),
  )

  it.effect("beyond its table it forgets the least recently recorded event, not all", () =>
    Effect.gen(function* () {
      const { recorder, countOf } = yield* setup
      yield* recorder.record(target, failed("kept"))
      yield* Effect.forEach(
        Array.from({ length: MAX_REMEMBERED - 1 }, (_, i) => failed(`filler ${i}`)),
        (event) => recorder.record(target, event),
        { discard: true },
      )
      // Recorded again, "kept" is now the most recent; the table is full.
      yield* recorder.record(target, failed("kept"))
      yield* recorder.record(target, failed("one more"))
      // "filler 0" was the least recent: forgotten, its repeat counts from 1 again.
      yield* recorder.record(target, failed("filler 0"))
      expect(yield* countOf("filler 0")).toBe(1)
      yield* recorder.record(target, failed("kept"))
      expect(yield* countOf("kept")).toBe(3)
      yield* recorder.record(target, failed("filler 2"))
      expect(yield* countOf("filler 2")).toBe(2)
    }),
  )
})
