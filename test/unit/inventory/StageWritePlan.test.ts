import { describe, expect, it } from "@effect/vitest"
import type { Entry } from "../../../src/inventory/Entry.ts"
import { intentRecord, settleRecord } from "../../../src/inventory/RecordPlan.ts"
import type { StageRecord } from "../../../src/inventory/StageRecord.ts"
import { planStageWrite } from "../../../src/inventory/StageWritePlan.ts"

const entry = (name: string): Entry => ({ id: `app_${name}__ConfigMap`, v: "v1" })
const identity = { id: "applyset-x-v1", tooling: "stageset-controller/v0.1.0", namespace: "app" }
const member = (name: string) => ({
  ref: { group: "", kind: "ConfigMap", namespace: "app", name },
  entry: entry(name),
})

/** A stage of six entries over three shards of two (cap 2), shard 0 carrying `digest`. */
const sharded = (digest: string | undefined): StageRecord => ({
  namespace: "app",
  stageSet: "ss",
  stage: "s",
  position: 0,
  shards: [
    { index: 0, entries: [entry("a"), entry("b")] },
    { index: 1, entries: [entry("c"), entry("d")] },
    { index: 2, entries: [entry("e"), entry("f")] },
  ],
  tracksEntries: true,
  applySet: undefined,
  mode: "entries",
  appliedDigest: digest,
})
const all = ["a", "b", "c", "d", "e", "f"].map(member)

describe("planStageWrite and the applied digest", () => {
  it("a new digest rewrites shard 0 alone, with the entries it holds", () => {
    const plan = planStageWrite(
      sharded("old"),
      settleRecord(0, all, [], "entries", identity, [], "new"),
      2,
    )
    expect(plan.steps).toEqual([{ _tag: "Put", index: 0, entries: [entry("a"), entry("b")] }])
    expect(plan.record.appliedDigest).toBe("new")
  })

  it("the same digest writes nothing (a no-op reconcile)", () => {
    const plan = planStageWrite(
      sharded("same"),
      settleRecord(0, all, [], "entries", identity, [], "same"),
      2,
    )
    expect(plan.steps).toEqual([])
  })

  it("record intent keeps the stored digest while it adds entries", () => {
    const desired = intentRecord(sharded("stored"), 0, [...all, member("g")], "entries", identity)
    expect(desired.appliedDigest).toBe("stored")
    const plan = planStageWrite(sharded("stored"), desired, 2)
    // Only the new entry's shard is written; shard 0 is not rewritten for the digest.
    expect(plan.steps).toEqual([{ _tag: "Put", index: 3, entries: [entry("g")] }])
    expect(plan.record.appliedDigest).toBe("stored")
  })
})
