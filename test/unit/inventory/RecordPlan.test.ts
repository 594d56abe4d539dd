import { describe, expect, it } from "@effect/vitest"
import type { ObjectRef } from "../../../src/inventory/Entry.ts"
import { entryOf } from "../../../src/inventory/EntryId.ts"
import { intentRecord, type Member, settleRecord } from "../../../src/inventory/RecordPlan.ts"
import type { StageRecord } from "../../../src/inventory/StageRecord.ts"

const member = (name: string, namespace = "app", kind = "ConfigMap", group = ""): Member => {
  const ref: ObjectRef = { group, kind, namespace, name }
  return { ref, entry: entryOf(ref, group === "" ? "v1" : `${group}/v1`) }
}
const identity = { id: "applyset-x-v1", tooling: "stageset-controller/v0.1.0", namespace: "app" }
const stored = (members: ReadonlyArray<Member>, extra: Partial<StageRecord> = {}): StageRecord => ({
  namespace: "app",
  stageSet: "ss",
  stage: "s",
  position: 0,
  shards: [{ index: 0, entries: members.map((m) => m.entry) }],
  tracksEntries: true,
  applySet: undefined,
  mode: "entries",
  ...extra,
})

describe("intentRecord", () => {
  it("records the union of what is stored and what is about to be applied", () => {
    const intent = intentRecord(stored([member("old")]), 0, [member("new")], "entries", identity)
    expect(intent.entries.map((e) => e.id).sort()).toEqual([
      "app_new__ConfigMap",
      "app_old__ConfigMap",
    ])
    expect(intent.applySet).toBeUndefined()
  })

  it("keeps the old mode's record and adds the new one's during a switch", () => {
    // entries -> applyset: the entry list stays until settle, ApplySet hints are added now.
    const intent = intentRecord(
      stored([member("old")]),
      0,
      [member("web", "other", "Deployment", "apps")],
      "applyset",
      identity,
    )
    expect(intent.mode).toBe("entries")
    expect(intent.entries).toHaveLength(2)
    expect(intent.applySet?.groupKinds).toEqual(["Deployment.apps"])
    expect(intent.applySet?.additionalNamespaces).toEqual(["other"])
  })

  it("only widens ApplySet hints: a group-kind about to disappear stays until settle", () => {
    const current = stored([], {
      mode: "applyset",
      applySet: { ...identity, groupKinds: ["Secret"], additionalNamespaces: ["gone"] },
    })
    const intent = intentRecord(current, 0, [member("cm")], "applyset", identity)
    expect(intent.applySet?.groupKinds).toEqual(["ConfigMap", "Secret"])
    expect(intent.applySet?.additionalNamespaces).toEqual(["gone"])
    expect(intent.entries.map((e) => e.id)).toEqual(["app_cm__ConfigMap"])
  })

  it("records what discovery found for a record an earlier version kept without entries", () => {
    const legacy = stored([], {
      tracksEntries: false,
      mode: undefined,
      applySet: { ...identity, groupKinds: ["ConfigMap"], additionalNamespaces: [] },
    })
    const intent = intentRecord(legacy, 0, [member("new")], "applyset", identity, [
      member("labelled"),
      member("new"),
    ])
    expect(intent.entries.map((e) => e.id).sort()).toEqual([
      "app_labelled__ConfigMap",
      "app_new__ConfigMap",
    ])
    // Not settled yet: it stays in the mode its content shows until the prune phase.
    expect(intent.mode).toBe("applyset")
  })
})

describe("settleRecord", () => {
  it("is exactly the render plus failed prunes, in the configured mode only", () => {
    const settled = settleRecord(
      2,
      [member("a")],
      [member("stuck", "app", "Role", "rbac.authorization.k8s.io")],
      "hybrid",
      identity,
    )
    expect(settled.position).toBe(2)
    expect(settled.entries.map((e) => e.id).sort()).toEqual([
      "app_a__ConfigMap",
      "app_stuck_rbac.authorization.k8s.io_Role",
    ])
    expect(settled.applySet?.groupKinds).toEqual(["ConfigMap", "Role.rbac.authorization.k8s.io"])
  })

  it("keeps the entries in every mode, and drops the hints in entries mode", () => {
    for (const mode of ["applyset", "hybrid", "entries"] as const)
      expect(settleRecord(0, [member("a")], [], mode, identity)).toMatchObject({
        mode,
        entries: [{ id: "app_a__ConfigMap", v: "v1" }],
      })
    expect(settleRecord(0, [member("a")], [], "entries", identity).applySet).toBeUndefined()
  })
})
