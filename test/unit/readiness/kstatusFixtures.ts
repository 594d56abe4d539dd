import { expect } from "@effect/vitest"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { computeStatus } from "../../../src/readiness/kstatus.ts"

/** Test helpers for the kstatus rules: a live object, a condition, an assertion. */
export const object = (
  apiVersion: string,
  kind: string,
  fields: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: "x", namespace: "payments", generation: 1, ...metadata },
  ...fields,
})

export const cond = (type: string, status: string, reason?: string, message?: string) => ({
  type,
  status,
  lastTransitionTime: "2026-01-01T00:00:00Z",
  ...(reason === undefined ? {} : { reason }),
  ...(message === undefined ? {} : { message }),
})

export const expectStatus = (obj: KubeObject, status: string, message?: RegExp) => {
  const result = computeStatus(obj)
  expect(result.status).toBe(status)
  if (message !== undefined) expect(result.message).toMatch(message)
}
