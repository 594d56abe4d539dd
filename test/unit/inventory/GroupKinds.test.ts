import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import {
  additionalNamespaces,
  containsGroupKinds,
  formatList,
  groupKindOf,
  parseGroupKind,
  parseGroupKinds,
  parseList,
} from "../../../src/inventory/GroupKinds.ts"

const ref = (namespace: string, group: string, kind: string) => ({
  namespace,
  group,
  kind,
  name: "x",
})

describe("group-kinds", () => {
  it("writes Kind.group, and Kind alone for core", () => {
    expect(groupKindOf(ref("a", "apps", "Deployment"))).toBe("Deployment.apps")
    expect(groupKindOf(ref("a", "", "Service"))).toBe("Service")
    expect(parseGroupKind("Ingress.networking.k8s.io")).toEqual({
      group: "networking.k8s.io",
      kind: "Ingress",
    })
    expect(parseGroupKind("Secret")).toEqual({ group: "", kind: "Secret" })
  })

  it("lists them sorted and unique", () => {
    const refs = [
      ref("a", "apps", "Deployment"),
      ref("b", "", "Service"),
      ref("a", "", "ConfigMap"),
      ref("c", "apps", "Deployment"),
    ]
    expect(containsGroupKinds(refs)).toEqual(["ConfigMap", "Deployment.apps", "Service"])
  })

  it("parses annotations tolerantly", () => {
    expect(parseGroupKinds(" Service, Deployment.apps,,ConfigMap ,")).toEqual([
      { group: "", kind: "ConfigMap" },
      { group: "apps", kind: "Deployment" },
      { group: "", kind: "Service" },
    ])
    expect(parseGroupKinds("")).toEqual([])
    expect(parseGroupKinds(undefined)).toEqual([])
  })

  it("round-trips through the annotation", () => {
    const gk = fc.record({
      group: fc.constantFrom("", "apps", "networking.k8s.io", "example.com"),
      kind: fc.constantFrom("Service", "Deployment", "Ingress", "Ledger"),
    })
    fc.assert(
      fc.property(fc.array(gk), (gks) => {
        const list = containsGroupKinds(gks)
        expect(parseList(formatList(list))).toEqual(list)
        expect(containsGroupKinds(parseGroupKinds(formatList(list)))).toEqual(list)
      }),
      { numRuns: 200 },
    )
  })
})

describe("additionalNamespaces", () => {
  it("lists member namespaces other than the parent's and cluster scope", () => {
    const refs = [
      ref("payments", "", "Service"),
      ref("", "", "Namespace"),
      ref("zeta", "", "A"),
      ref("alpha", "", "A"),
      ref("zeta", "", "B"),
    ]
    expect(additionalNamespaces(refs, "payments")).toEqual(["alpha", "zeta"])
    expect(formatList(additionalNamespaces(refs, "payments"))).toBe("alpha,zeta")
    expect(additionalNamespaces([], "payments")).toEqual([])
  })
})
