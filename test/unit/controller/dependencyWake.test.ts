import { describe, expect, it } from "@effect/vitest"
import { readinessChanged } from "../../../src/controller/dependencyWake.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const base: KubeObject = {
  apiVersion: "stages.metio.wtf/v1",
  kind: "StageSet",
  metadata: { name: "db", namespace: "ns", generation: 2, resourceVersion: "10" },
  spec: {},
  status: {
    observedGeneration: 2,
    conditions: [
      {
        type: "Ready",
        status: "False",
        reason: "Progressing",
        message: "reconciliation in progress",
        observedGeneration: 2,
        lastTransitionTime: "2026-12-01T00:00:00Z",
      },
    ],
  },
}

const withReady = (status: "True" | "False", reason: string, message = ""): KubeObject => ({
  ...base,
  metadata: { ...base.metadata, resourceVersion: "11" },
  status: {
    observedGeneration: 2,
    conditions: [
      {
        type: "Ready",
        status,
        reason,
        message,
        observedGeneration: 2,
        lastTransitionTime: "2026-12-01T00:00:01Z",
      },
    ],
  },
})

describe("readinessChanged", () => {
  it("wakes dependents when Ready flips, the generation moves or status.version changes", () => {
    expect(readinessChanged(base, withReady("True", "Succeeded"))).toBe(true)
    expect(readinessChanged(base, { ...base, metadata: { ...base.metadata, generation: 3 } })).toBe(
      true,
    )
    expect(
      readinessChanged(base, { ...base, status: { ...(base.status as object), version: "1.0.0" } }),
    ).toBe(true)
  })

  it("not for a status write that changes none of that (a message, a phase, a reason of Ready=False)", () => {
    expect(readinessChanged(base, withReady("False", "StageFailed", "stage app failed"))).toBe(
      false,
    )
    expect(
      readinessChanged(base, { ...base, metadata: { ...base.metadata, resourceVersion: "12" } }),
    ).toBe(false)
  })
})
