import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { ObjectRef } from "../../../src/inventory/Entry.ts"
import { FIELD_MANAGER } from "../../../src/inventory/Labels.ts"
import {
  deletionOrder,
  deletionTiers,
  isManagedBy,
  isPruneDisabled,
  planPrune,
  pruneVerdict,
} from "../../../src/inventory/PrunePlan.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const entry = (id: string) => ({ id, v: "v1" })
const ids = (entries: ReadonlyArray<{ id: string }>) => entries.map((e) => e.id)

const idSet = fc
  .uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 30 })
  .map((is) => new Set(is.map((i) => `ns_o${i}__ConfigMap`)))

describe("planPrune", () => {
  it("never lists a desired id, nor one desired by another stage", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 40 }),
        idSet,
        idSet,
        idSet,
        fc.boolean(),
        (inventory, desired, otherStagesDesired, otherStageSetsInventory, pruneEnabled) => {
          const input = {
            inventory: inventory.map((i) => entry(`ns_o${i}__ConfigMap`)),
            desired,
            otherStagesDesired,
            otherStageSetsInventory,
            pruneEnabled,
          }
          const plan = planPrune(input)
          for (const e of plan.candidates) {
            expect(desired.has(e.id)).toBe(false)
            expect(otherStagesDesired.has(e.id)).toBe(false)
            expect(otherStageSetsInventory.has(e.id)).toBe(false)
          }
          for (const e of [...plan.handedOver, ...plan.released])
            expect(desired.has(e.id)).toBe(false)
          if (!pruneEnabled) expect(plan.candidates).toEqual([])
          // every stored id lands in exactly one list; only `kept` may repeat
          const dropped = [...plan.candidates, ...plan.handedOver, ...plan.released].map(
            (e) => e.id,
          )
          expect(new Set(dropped).size).toBe(dropped.length)
          const all = new Set([...ids(plan.kept), ...dropped])
          expect(all).toEqual(new Set(input.inventory.map((e) => e.id)))
          for (const id of ids(plan.kept)) expect(dropped).not.toContain(id)
        },
      ),
      { numRuns: 500 },
    )
  })

  it("classifies one of each", () => {
    const plan = planPrune({
      inventory: ["a", "b", "c", "d", "d"].map(entry),
      desired: new Set(["a"]),
      otherStagesDesired: new Set(["b"]),
      otherStageSetsInventory: new Set(["c"]),
      pruneEnabled: true,
    })
    expect(ids(plan.kept)).toEqual(["a"])
    expect(ids(plan.handedOver)).toEqual(["b", "c"])
    expect(ids(plan.candidates)).toEqual(["d"])
    expect(plan.released).toEqual([])
  })

  it("releases the leftovers of a prune: false stage, still handing over moved ones", () => {
    const plan = planPrune({
      inventory: ["a", "b", "d"].map(entry),
      desired: new Set(["a"]),
      otherStagesDesired: new Set(["b"]),
      otherStageSetsInventory: new Set(),
      pruneEnabled: false,
    })
    expect(plan.candidates).toEqual([])
    expect(ids(plan.handedOver)).toEqual(["b"])
    expect(ids(plan.released)).toEqual(["d"])
  })
})

const object = (metadata: Partial<KubeObject["metadata"]>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "x", namespace: "ns", ...metadata },
})

describe("live checks", () => {
  it("honours the opt-out as label or annotation", () => {
    expect(isPruneDisabled(object({}))).toBe(false)
    expect(isPruneDisabled(object({ labels: { "stages.metio.wtf/prune": "disabled" } }))).toBe(true)
    expect(isPruneDisabled(object({ annotations: { "stages.metio.wtf/prune": "disabled" } }))).toBe(
      true,
    )
    expect(isPruneDisabled(object({ labels: { "stages.metio.wtf/prune": "enabled" } }))).toBe(false)
  })

  it("owns an object only through managedFields", () => {
    // A bare apply leaves no manager entry at all: still ours, nobody took it over.
    expect(isManagedBy(object({}), FIELD_MANAGER)).toBe(true)
    expect(isManagedBy(object({ managedFields: [] }), FIELD_MANAGER)).toBe(true)
    expect(
      isManagedBy(
        object({ managedFields: [{ manager: "kubectl", operation: "Apply" }] }),
        FIELD_MANAGER,
      ),
    ).toBe(false)
    expect(
      isManagedBy(
        object({
          managedFields: [{ manager: "kubectl" }, { manager: FIELD_MANAGER, operation: "Apply" }],
        }),
        FIELD_MANAGER,
      ),
    ).toBe(true)
  })

  it("gives one verdict per live object", () => {
    const ours = { managedFields: [{ manager: FIELD_MANAGER }] }
    expect(pruneVerdict(undefined, FIELD_MANAGER)).toBe("Gone")
    expect(pruneVerdict(object(ours), FIELD_MANAGER)).toBe("Delete")
    expect(
      pruneVerdict(
        object({ ...ours, annotations: { "stages.metio.wtf/prune": "disabled" } }),
        FIELD_MANAGER,
      ),
    ).toBe("OptedOut")
    expect(pruneVerdict(object({ managedFields: [{ manager: "helm" }] }), FIELD_MANAGER)).toBe(
      "NotManaged",
    )
  })
})

describe("deletionOrder", () => {
  const r = (namespace: string, name: string, group: string, kind: string): ObjectRef => ({
    group,
    kind,
    namespace,
    name,
  })
  const crd = r("", "ledgers.example.com", "apiextensions.k8s.io", "CustomResourceDefinition")
  const ns = r("", "payments", "", "Namespace")
  const role = r("", "system:metrics", "rbac.authorization.k8s.io", "ClusterRole")
  const ledger = r("payments", "main", "example.com", "Ledger")
  const svc = r("payments", "web", "", "Service")

  it("deletes namespaced objects first, then cluster-scoped, Namespaces, CRDs", () => {
    expect(deletionOrder([crd, ns, role, ledger, svc])).toEqual([ledger, svc, role, ns, crd])
    expect(deletionTiers([crd, svc, ns])).toEqual([[svc], [ns], [crd]])
    expect(deletionOrder([])).toEqual([])
  })
})
