import { describe, expect, it } from "vitest"
import { fromStatus, isRetryable } from "../../../src/kube/KubeError.ts"

describe("fromStatus", () => {
  it.each([
    [404, "KubeNotFound", false],
    [409, "KubeConflict", false],
    [410, "KubeGone", false],
    [429, "KubeTooManyRequests", true],
    [403, "KubeForbidden", false],
    [422, "KubeInvalid", false],
    // A LIST of a create-only kind (SubjectAccessReview): retrying cannot help.
    [405, "KubeInvalid", false],
    [413, "KubeInvalid", false],
    [500, "KubeTransport", true],
    [503, "KubeTransport", true],
  ] as const)("HTTP %i is %s (retried: %s)", (status, tag, retried) => {
    const error = fromStatus(status, "m", "GET /x")
    expect(error._tag).toBe(tag)
    expect(isRetryable(error)).toBe(retried)
  })
})
