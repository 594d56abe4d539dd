import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { ReadyCheckExpr } from "../../../schemas/StageSet.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import type { CompiledCheck } from "../../../src/readiness/CompiledCheck.ts"
import { exprStatus } from "../../../src/readiness/celChecks.ts"
import { compileReadyExprs } from "../../../src/readiness/celCompile.ts"

const FIELD = "spec.stages[1].readyChecks.exprs"

const compiled = (...exprs: ReadonlyArray<ReadyCheckExpr>): ReadonlyArray<CompiledCheck> => {
  const result = compileReadyExprs(exprs, FIELD)
  if (Either.isLeft(result)) throw new Error(result.left)
  return result.right
}

const compileError = (expr: Partial<ReadyCheckExpr>) => {
  const result = compileReadyExprs([{ apiVersion: "batch/v1", kind: "Job", ...expr }], FIELD)
  return Either.isLeft(result) ? result.left : undefined
}

const job = (status?: Record<string, unknown>): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "migrate", namespace: "apps", generation: 1 },
  spec: { completions: 1 },
  ...(status === undefined ? {} : { status }),
})

// The expression users write to wait for a Job to finish, now that a started Job is ready.
const completion = compiled({
  apiVersion: "batch/v1",
  kind: "Job",
  current: "status.succeeded >= spec.completions",
  inProgress: "has(status.active) && status.active > 0",
  failed: "status.conditions.exists(c, c.type == 'Failed' && c.status == 'True')",
})

describe("readyChecks.exprs (CEL)", () => {
  it("an object is ready once current holds; integers compare and add as CEL ints", () => {
    expect(exprStatus(completion, job({ succeeded: 1, conditions: [] }))).toEqual({
      status: "Current",
      message: "readyChecks.exprs hold",
    })
    const arithmetic = compiled({
      apiVersion: "batch/v1",
      kind: "Job",
      current: "status.succeeded + 1 == 2 && metadata.generation == 1 && kind == 'Job'",
    })
    expect(exprStatus(arithmetic, job({ succeeded: 1 }))?.status).toBe("Current")
  })

  it("stays in progress while current does not hold or cannot be evaluated yet", () => {
    expect(exprStatus(completion, job({ active: 1, succeeded: 0, conditions: [] }))).toEqual({
      status: "InProgress",
      message:
        "readyChecks.exprs[0].current does not hold yet (readyChecks.exprs[0].inProgress holds: still in progress)",
    })
    // No status yet: `status` is an empty map, so the field is missing.
    expect(exprStatus(completion, job())).toEqual({
      status: "InProgress",
      message: "readyChecks.exprs[0].current cannot be evaluated yet: field not found: succeeded",
    })
  })

  it("fails at once when failed holds", () => {
    expect(
      exprStatus(completion, job({ conditions: [{ type: "Failed", status: "True" }] })),
    ).toEqual({ status: "Failed", message: "readyChecks.exprs[0].failed holds" })
  })

  it("applies to objects of the same group and kind, whatever their version; every check must hold", () => {
    const two = compiled(
      { apiVersion: "example.com/v1beta1", kind: "Widget", current: "status.ready == true" },
      { apiVersion: "example.com/v1", kind: "Widget", current: "status.phase == 'Running'" },
    )
    const widget = (status: Record<string, unknown>): KubeObject => ({
      apiVersion: "example.com/v2",
      kind: "Widget",
      metadata: { name: "w" },
      status,
    })
    expect(exprStatus(two, widget({ ready: true, phase: "Running" }))?.status).toBe("Current")
    expect(exprStatus(two, widget({ ready: true, phase: "Pending" }))).toEqual({
      status: "InProgress",
      message: "readyChecks.exprs[1].current does not hold yet",
    })
    expect(exprStatus(two, job({ succeeded: 1 }))).toBeUndefined()
  })

  it("never shows a Secret's evaluation error, which could carry its data", () => {
    const secretCheck = compiled({
      apiVersion: "v1",
      kind: "Secret",
      current: "int(metadata.annotations['rotation']) > 1",
    })
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", annotations: { rotation: "hunter2" } },
    }
    expect(exprStatus(secretCheck, secret)).toEqual({
      status: "InProgress",
      message: "readyChecks.exprs[0].current cannot be evaluated yet: evaluation failed",
    })
  })

  it("a compile error is named by field: syntax, undeclared names, non-bool constants, deep nesting", () => {
    expect(compileError({ current: "status.succeeded >" })).toMatch(
      /^spec\.stages\[1\]\.readyChecks\.exprs\[0\]\.current: <input>:1:\d+: /,
    )
    expect(compileError({ failed: "self.status.failed > 0" })).toBe(
      "spec.stages[1].readyChecks.exprs[0].failed: undeclared reference to self (an expression sees apiVersion, kind, metadata, spec and status)",
    )
    expect(compileError({ inProgress: "'yes'" })).toBe(
      "spec.stages[1].readyChecks.exprs[0].inProgress: must be a boolean expression",
    )
    expect(
      compileError({
        current: "[1].all(a, [2].all(b, [3].all(c, [4].all(d, a < d))))",
      }),
    ).toMatch(/nest more than 3 deep/)
    // Macros bind their own variables; type names are no undeclared references.
    expect(
      compileError({
        current:
          "status.conditions.filter(c, c.type == 'Complete').all(c, c.status == 'True') && type(kind) == string",
      }),
    ).toBeUndefined()
  })
})
