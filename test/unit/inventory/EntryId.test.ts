import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { ObjectRef } from "../../../src/inventory/Entry.ts"
import {
  entryOf,
  formatEntryId,
  groupOfApiVersion,
  keyOfEntry,
  parseEntryId,
  refOf,
  validateRef,
} from "../../../src/inventory/EntryId.ts"

const ref = (namespace: string, name: string, group: string, kind: string): ObjectRef => ({
  group,
  kind,
  namespace,
  name,
})

const word = (alphabet: ReadonlyArray<string>, minLength: number, maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { minLength, maxLength }).map((cs) => cs.join(""))

const alnum = ["a", "b", "z", "0", "9"]
const dnsLabel = fc
  .tuple(word(alnum, 1, 1), word([...alnum, "-"], 0, 8), word(alnum, 0, 1))
  .map(([a, b, c]) => (b === "" ? a : `${a}${b}${c === "" ? "a" : c}`))
const dnsSubdomain = fc.array(dnsLabel, { minLength: 1, maxLength: 3 }).map((ls) => ls.join("."))
// RBAC-style names: colons anywhere, including first, last and doubled, next
// to the group separator.
const rbacName = word([...alnum, "-", ".", ":"], 1, 12)
const validRef = fc.record({
  namespace: fc.oneof(fc.constant(""), dnsLabel),
  name: fc.oneof(dnsSubdomain, rbacName, fc.constantFrom(":", "::", ":a", "a:", "a::b", ":::")),
  group: fc.oneof(fc.constant(""), dnsSubdomain),
  kind: fc
    .tuple(fc.constantFrom("A", "C", "Z"), word(["a", "B", "9"], 0, 6))
    .map(([a, b]) => a + b),
})

describe("formatEntryId", () => {
  it("writes the seed's ids", () => {
    expect(formatEntryId(ref("payments", "web", "apps", "Deployment"))).toBe(
      "payments_web_apps_Deployment",
    )
    expect(formatEntryId(ref("payments", "web", "", "Service"))).toBe("payments_web__Service")
    expect(formatEntryId(ref("", "payments", "", "Namespace"))).toBe("_payments__Namespace")
    expect(
      formatEntryId(ref("", "system:metrics", "rbac.authorization.k8s.io", "ClusterRole")),
    ).toBe("_system__metrics_rbac.authorization.k8s.io_ClusterRole")
  })

  it("escapes colons at the ends and doubled", () => {
    expect(formatEntryId(ref("", ":a", "", "ClusterRole"))).toBe("___a__ClusterRole")
    expect(formatEntryId(ref("ns", "a:", "", "Role"))).toBe("ns_a____Role")
    expect(formatEntryId(ref("ns", "a::b", "g.io", "Role"))).toBe("ns_a____b_g.io_Role")
  })

  it("refuses refs that could not round-trip", () => {
    expect(validateRef(ref("", "my_role", "rbac.authorization.k8s.io", "ClusterRole"))).toContain(
      '"_"',
    )
    expect(validateRef(ref("", "", "", "Namespace"))).toBeDefined()
    expect(validateRef(ref("", "x", "", ""))).toBeDefined()
    expect(() => formatEntryId(ref("", "my_role", "", "ClusterRole"))).toThrow()
  })
})

describe("parseEntryId", () => {
  it("reads the seed's ids", () => {
    expect(parseEntryId("payments_web_apps_Deployment")).toEqual(
      ref("payments", "web", "apps", "Deployment"),
    )
    expect(parseEntryId("payments_web__Service")).toEqual(ref("payments", "web", "", "Service"))
    expect(parseEntryId("_payments__Namespace")).toEqual(ref("", "payments", "", "Namespace"))
    expect(parseEntryId("_system__metrics_rbac.authorization.k8s.io_ClusterRole")).toEqual(
      ref("", "system:metrics", "rbac.authorization.k8s.io", "ClusterRole"),
    )
  })

  it("rejects malformed ids", () => {
    for (const id of [
      "",
      "abc",
      "a_b",
      "a_b_c",
      "ns__g_Kind",
      "_:__a",
      "ns_a___b__Kind",
      "ns_a_g_",
      "___",
    ])
      expect(parseEntryId(id), id).toBeUndefined()
  })

  it("round-trips every valid ref", () => {
    fc.assert(
      fc.property(validRef, (r) => {
        expect(validateRef(r)).toBeUndefined()
        expect(parseEntryId(formatEntryId(r))).toEqual(r)
      }),
      { numRuns: 2000 },
    )
  })

  it("formats every id it accepts back to itself", () => {
    fc.assert(
      fc.property(word(["a", "K", "_", ":", ".", "-"], 0, 14), (id) => {
        const parsed = parseEntryId(id)
        if (parsed !== undefined) expect(formatEntryId(parsed)).toBe(id)
      }),
      { numRuns: 3000 },
    )
  })
})

describe("refOf / entryOf / keyOfEntry", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
  }

  it("takes the namespace from discovery's scope", () => {
    expect(refOf(deployment, true, "payments")).toEqual(
      ref("payments", "web", "apps", "Deployment"),
    )
    expect(refOf({ ...deployment, metadata: { name: "web", namespace: "x" } }, true, "p")).toEqual(
      ref("x", "web", "apps", "Deployment"),
    )
    const role = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:metrics", namespace: "ignored" },
    }
    expect(refOf(role, false)).toEqual(
      ref("", "system:metrics", "rbac.authorization.k8s.io", "ClusterRole"),
    )
  })

  it("builds entries and reads them back", () => {
    const entry = entryOf(ref("payments", "web", "apps", "Deployment"), "apps/v1")
    expect(entry).toEqual({ id: "payments_web_apps_Deployment", v: "apps/v1" })
    expect(keyOfEntry(entry)).toEqual({
      ref: ref("payments", "web", "apps", "Deployment"),
      apiVersion: "apps/v1",
    })
    expect(keyOfEntry({ id: "payments_web_apps_Deployment", v: "v1" })).toBeUndefined()
    expect(keyOfEntry({ id: "payments_web__Service", v: "v1" })).toBeDefined()
    expect(groupOfApiVersion("v1")).toBe("")
    expect(groupOfApiVersion("stages.metio.wtf/v1")).toBe("stages.metio.wtf")
  })
})
