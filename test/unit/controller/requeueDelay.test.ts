import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import { failureDelay, intervalsOf } from "../../../src/controller/requeueDelay.ts"
import { stageSetChanged } from "../../../src/controller/stageSetChanged.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const withSpec = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "stages.metio.wtf/v1",
  kind: "StageSet",
  metadata: { name: "ss", namespace: "apps", generation: 1 },
  spec,
})

describe("requeueDelay", () => {
  it("reads interval and retryInterval, defaulting to the controller's interval", () => {
    const fallback = Duration.minutes(10)
    expect(intervalsOf(undefined, fallback)).toEqual({
      interval: fallback,
      retryInterval: fallback,
      readyInterval: fallback,
    })
    const own = intervalsOf(withSpec({ interval: "1h", retryInterval: "30s" }), fallback)
    expect(Duration.toSeconds(own.interval)).toBe(3600)
    expect(Duration.toSeconds(own.retryInterval)).toBe(30)
    // retryInterval defaults to interval; an unparsable value to the default.
    const onlyInterval = intervalsOf(withSpec({ interval: "5m" }), fallback)
    expect(Duration.toSeconds(onlyInterval.retryInterval)).toBe(300)
    expect(intervalsOf(withSpec({ interval: "soon" }), fallback).interval).toEqual(fallback)
  })

  it("after a success, a shorter driftDetectionInterval is the cadence; a longer or zero one is not", () => {
    const fallback = Duration.minutes(10)
    const seconds = (spec: Record<string, unknown>) =>
      Duration.toSeconds(intervalsOf(withSpec(spec), fallback).readyInterval)
    expect(seconds({ interval: "1h", driftDetectionInterval: "5m" })).toBe(300)
    // Shorter than the controller's default interval counts too.
    expect(seconds({ driftDetectionInterval: "2m" })).toBe(120)
    // Never lengthens the cadence, and a zero value is no tight loop.
    expect(seconds({ interval: "5m", driftDetectionInterval: "1h" })).toBe(300)
    expect(seconds({ interval: "5m", driftDetectionInterval: "0s" })).toBe(300)
    // The failure cadence is not touched.
    const failing = intervalsOf(
      withSpec({ interval: "1h", driftDetectionInterval: "1m" }),
      fallback,
    )
    expect(Duration.toSeconds(failing.retryInterval)).toBe(3600)
  })

  it("a failure waits for the backoff, but never past retryInterval", () => {
    const intervals = {
      interval: Duration.minutes(10),
      retryInterval: Duration.minutes(1),
      readyInterval: Duration.minutes(10),
    }
    expect(Duration.toSeconds(failureDelay(Duration.seconds(5), intervals))).toBe(5)
    expect(Duration.toSeconds(failureDelay(Duration.minutes(5), intervals))).toBe(60)
  })
})

describe("stageSetChanged", () => {
  const base = withSpec({})
  const meta = (m: Partial<KubeObject["metadata"]>) => ({
    ...base,
    metadata: { ...base.metadata, ...m },
  })
  it("ignores status-only updates", () => {
    expect(stageSetChanged(base, { ...meta({ resourceVersion: "9" }), status: { x: 1 } })).toBe(
      false,
    )
  })
  it("reacts to generation, annotations, deletion and finalizers", () => {
    expect(stageSetChanged(base, meta({ generation: 2 }))).toBe(true)
    expect(
      stageSetChanged(base, meta({ annotations: { "reconcile.fluxcd.io/requestedAt": "now" } })),
    ).toBe(true)
    expect(stageSetChanged(base, meta({ deletionTimestamp: "2026-01-01T00:00:00Z" }))).toBe(true)
    expect(stageSetChanged(base, meta({ finalizers: ["x"] }))).toBe(true)
  })
})
