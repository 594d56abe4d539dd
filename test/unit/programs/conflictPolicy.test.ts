import { describe, expect, it } from "@effect/vitest"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { holdsData, resolveConflictAction } from "../../../src/programs/conflictPolicy.ts"
import type { StageView } from "../../../src/programs/StageSetView.ts"

const job: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "migrate", namespace: "app" },
}
const pvc: KubeObject = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "scratch", namespace: "app" },
}
const stage = (extra: Partial<StageView> = {}): StageView => ({
  name: "s",
  sourceRef: { kind: "ConfigMap", name: "src" },
  prune: true,
  force: false,
  ...extra,
})

describe("resolveConflictAction", () => {
  it("defaults to Fail, and force is sugar for Recreate", () => {
    expect(resolveConflictAction(stage(), job).action).toBe("Fail")
    expect(resolveConflictAction(stage({ force: true }), job).action).toBe("Recreate")
    // The schema fills default: Fail, so force must still win over it.
    expect(
      resolveConflictAction(stage({ force: true, conflictPolicy: { default: "Fail" } }), job)
        .action,
    ).toBe("Recreate")
  })

  it("takes the first rule whose partial target matches", () => {
    const s = stage({
      conflictPolicy: {
        default: "Fail",
        rules: [
          { target: { kind: "PersistentVolumeClaim", name: "other" }, action: "KeepExisting" },
          { target: { apiVersion: "batch/v1", kind: "Job" }, action: "Recreate" },
          { target: { kind: "PersistentVolumeClaim" }, action: "Recreate", allowDataLoss: true },
          { target: {}, action: "KeepExisting" },
        ],
      },
    })
    expect(resolveConflictAction(s, job)).toEqual({ action: "Recreate", allowDataLoss: false })
    expect(resolveConflictAction(s, pvc)).toEqual({ action: "Recreate", allowDataLoss: true })
    const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }
    expect(resolveConflictAction(s, cm).action).toBe("KeepExisting")
  })

  it("treats PVCs and PVs as data that Recreate must not destroy without consent", () => {
    expect(holdsData(pvc)).toBe(true)
    expect(holdsData(job)).toBe(false)
  })
})
