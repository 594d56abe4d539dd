import { describe, expect, it } from "@effect/vitest"
import { isSecretField, maskSecret } from "../../../src/cli/maskSecrets.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

describe("maskSecret", () => {
  it("masks every value of a Secret's data and stringData, keeping the keys", () => {
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "s",
        annotations: {
          "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"token":"c2VjcmV0"}}',
          keep: "me",
        },
      },
      data: { token: "c2VjcmV0" },
      stringData: { password: "hunter2" },
      type: "Opaque",
    }
    const masked = maskSecret(secret)
    expect(masked.data).toEqual({ token: "***" })
    expect(masked.stringData).toEqual({ password: "***" })
    expect(masked.metadata.annotations).toEqual({
      "kubectl.kubernetes.io/last-applied-configuration": "***",
      keep: "me",
    })
    expect(JSON.stringify(masked)).not.toMatch(/c2VjcmV0|hunter2/)
    expect(masked.type).toBe("Opaque")
  })

  it("leaves other kinds alone", () => {
    const cm: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c" },
      data: { a: "1" },
    }
    expect(maskSecret(cm)).toBe(cm)
  })

  it("knows which fields of a Secret hold its data", () => {
    const secret = { apiVersion: "v1", kind: "Secret" }
    expect(isSecretField(secret, "data.token")).toBe(true)
    expect(isSecretField(secret, "stringData")).toBe(true)
    expect(isSecretField(secret, "metadata.labels.a")).toBe(false)
    expect(isSecretField({ apiVersion: "v1", kind: "ConfigMap" }, "data.token")).toBe(false)
  })
})
