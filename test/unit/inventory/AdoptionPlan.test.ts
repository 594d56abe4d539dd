import { describe, expect, it } from "@effect/vitest"
import { planAdoption } from "../../../src/inventory/AdoptionPlan.ts"
import type { StageRecord } from "../../../src/inventory/StageRecord.ts"

const entry = (name: string, v = "v1") => ({ id: `ns_${name}__ConfigMap`, v })

const record = (over: Partial<StageRecord>): StageRecord => ({
  namespace: "ns",
  stageSet: "ss",
  stage: "app",
  position: 0,
  shards: [],
  tracksEntries: false,
  applySet: undefined,
  mode: undefined,
  ...over,
})

describe("planAdoption", () => {
  it("nothing to do without legacy shards", () => {
    expect(planAdoption(record({}))).toBeUndefined()
    expect(planAdoption(record({ legacy: [] }))).toBeUndefined()
  })

  it("a stage only the Go implementation wrote: all its entries, its position, entries mode", () => {
    const plan = planAdoption(
      record({
        legacy: [
          { name: "ss-app-01-bbbbbbbbbb", position: 2, entries: [entry("c"), entry("a")] },
          { name: "ss-app-00-aaaaaaaaaa", position: 2, entries: [entry("b")] },
        ],
      }),
    )
    expect(plan).toEqual({
      desired: {
        position: 2,
        entries: [entry("a"), entry("b"), entry("c")],
        applySet: undefined,
        mode: "entries",
      },
      deletes: ["ss-app-00-aaaaaaaaaa", "ss-app-01-bbbbbbbbbb"],
    })
  })

  it("after a crash between the writes: our shards keep what they hold and gain the rest", () => {
    const plan = planAdoption(
      record({
        position: 1,
        shards: [{ index: 0, entries: [entry("a", "v1")] }],
        tracksEntries: true,
        mode: "hybrid",
        legacy: [
          { name: "ss-app-00-aaaaaaaaaa", position: 0, entries: [entry("a", "v0"), entry("b")] },
        ],
      }),
    )
    expect(plan?.desired).toMatchObject({
      position: 1,
      entries: [entry("a", "v1"), entry("b")],
      mode: "hybrid",
    })
    expect(plan?.deletes).toEqual(["ss-app-00-aaaaaaaaaa"])
  })
})
