import { describe, expect, it } from "@effect/vitest"
import { encodeDigest, fingerprint } from "../../../src/inventory/AppliedDigest.ts"
import type { Entry } from "../../../src/inventory/Entry.ts"
import { intentRecord, settleRecord } from "../../../src/inventory/RecordPlan.ts"
import { planRepair } from "../../../src/inventory/RepairPlan.ts"
import { shardDigest } from "../../../src/inventory/ShardDigest.ts"
import type { StageRecord } from "../../../src/inventory/StageRecord.ts"
import { planStageWrite } from "../../../src/inventory/StageWritePlan.ts"

const entry = (name: string): Entry => ({ id: `app_${name}__ConfigMap`, v: "v1" })
const identity = { id: "applyset-x-v1", tooling: "stageset-controller/v0.1.0", namespace: "app" }
const member = (name: string) => ({
  ref: { group: "", kind: "ConfigMap", namespace: "app", name },
  entry: entry(name),
})

/** Fingerprints by entry id: each member as a run left it (`moved` ones at a new version). */
const prints = (names: ReadonlyArray<string>, moved: ReadonlyArray<string> = []) =>
  new Map(
    names.map((n) => [
      entry(n).id,
      fingerprint({
        id: entry(n).id,
        hash: "h",
        uid: `uid-${n}`,
        resourceVersion: moved.includes(n) ? "2" : "1",
      }),
    ]),
  )
const digestOf = (names: ReadonlyArray<string>, moved: ReadonlyArray<string> = []) =>
  encodeDigest(prints(names, moved).values())

/** A stage of six entries over three shards of two (cap 2), each carrying its own digest. */
const sharded = (): StageRecord => ({
  namespace: "app",
  stageSet: "ss",
  stage: "s",
  position: 0,
  shards: [
    { index: 0, entries: [entry("a"), entry("b")], digest: digestOf(["a", "b"]) },
    { index: 1, entries: [entry("c"), entry("d")], digest: digestOf(["c", "d"]) },
    { index: 2, entries: [entry("e"), entry("f")], digest: digestOf(["e", "f"]) },
  ],
  tracksEntries: true,
  applySet: undefined,
  mode: "entries",
})
const names = ["a", "b", "c", "d", "e", "f"]
const all = names.map(member)

describe("planStageWrite and the per-shard applied digests", () => {
  it("a member of shard 1 applied anew rewrites shard 1 alone, with its entries and digest", () => {
    const plan = planStageWrite(
      sharded(),
      settleRecord(0, all, [], "entries", identity, [], prints(names, ["d"])),
      2,
    )
    // The digest alone: the shard's entries are not sent again.
    expect(plan.steps).toEqual([{ _tag: "Digest", index: 1, digest: digestOf(["c", "d"], ["d"]) }])
    expect(plan.record.shards.map((s) => s.digest)).toEqual([
      digestOf(["a", "b"]),
      digestOf(["c", "d"], ["d"]),
      digestOf(["e", "f"]),
    ])
  })

  it("members as recorded write nothing (a no-op reconcile)", () => {
    const plan = planStageWrite(
      sharded(),
      settleRecord(0, all, [], "entries", identity, [], prints(names)),
      2,
    )
    expect(plan.steps).toEqual([])
  })

  it("record intent keeps every stored digest while it adds entries; a new shard has none", () => {
    const desired = intentRecord(sharded(), 0, [...all, member("g")], "entries", identity)
    const plan = planStageWrite(sharded(), desired, 2)
    expect(plan.steps).toEqual([{ _tag: "Put", index: 3, entries: [entry("g")] }])
    expect(plan.record.shards.map((s) => s.digest)).toEqual([
      ...sharded().shards.map((s) => s.digest),
      undefined,
    ])
  })

  it("the settle after adding a member writes only the shard that holds it", () => {
    const intent = planStageWrite(
      sharded(),
      intentRecord(sharded(), 0, [...all, member("g")], "entries", identity),
      2,
    ).record
    const all7 = [...names, "g"]
    const plan = planStageWrite(
      intent,
      settleRecord(0, all7.map(member), [], "entries", identity, [], prints(all7)),
      2,
    )
    expect(plan.steps).toEqual([{ _tag: "Digest", index: 3, digest: digestOf(["g"]) }])
  })

  it("a shard that loses an entry carries the digest of what it keeps", () => {
    const kept = names.filter((n) => n !== "c")
    const plan = planStageWrite(
      sharded(),
      settleRecord(0, kept.map(member), [], "entries", identity, [], prints(kept)),
      2,
    )
    // The digest first: at no moment does shard 1 claim c without holding it.
    expect(plan.steps).toEqual([
      { _tag: "Digest", index: 1, digest: digestOf(["d"]) },
      { _tag: "Put", index: 1, entries: [entry("d")] },
    ])
  })

  it("without fingerprints (intent, adoption, repair) a shard an entry leaves drops its digest", () => {
    const stored = sharded().shards[1]!
    expect(shardDigest(stored, [entry("c"), entry("d"), entry("x")], undefined)).toBe(stored.digest)
    expect(shardDigest(stored, [entry("d"), entry("x")], undefined)).toBeUndefined()
    expect(shardDigest(undefined, [entry("c")], undefined)).toBeUndefined()
  })

  it("a shard that gains and loses entries drops its digest first, then takes the new one", () => {
    // c, e and f leave; x is new and fills c's place in shard 1; shard 2 is left empty.
    const kept = ["a", "b", "d", "x"]
    const plan = planStageWrite(
      sharded(),
      settleRecord(0, kept.map(member), [], "entries", identity, [], prints(kept)),
      2,
    )
    const steps = plan.steps.map((s) =>
      s._tag === "Digest"
        ? `Digest ${s.index} ${s.digest === undefined ? "none" : "new"}`
        : `${s._tag} ${s.index}`,
    )
    // At no moment does a shard's digest claim a member the shard does not hold.
    expect(steps).toEqual(["Digest 1 none", "Put 1", "Digest 1 new", "Digest 2 none", "Put 2"])
    expect(plan.steps[2]).toMatchObject({ digest: digestOf(["d", "x"]) })
  })

  it("a repair keeps the digests of the shards it writes only while they claim what they hold", () => {
    const record = sharded()
    const lost: StageRecord = {
      ...record,
      shards: record.shards.map((s) =>
        s.index === 0 || s.index === 2 ? { ...s, terminating: true } : s,
      ),
    }
    const plan = planRepair(lost, 4)
    // Shard 0 is copied (a new shard: no digest), released, written again and given its
    // digest back; shard 2's entries then move into shard 0, which keeps its digest.
    expect(plan.steps.map((s) => `${s._tag} ${s.index}`)).toEqual([
      "Put 3",
      "Release 0",
      "Put 0",
      "Digest 0",
      "Delete 3",
      "Put 0",
      "Release 2",
    ])
    expect(plan.steps.find((s) => s._tag === "Digest")).toMatchObject({
      digest: digestOf(["a", "b"]),
    })
    expect(plan.record.shards.map((s) => [s.index, s.entries.length, s.digest])).toEqual([
      [0, 4, digestOf(["a", "b"])],
      [1, 2, digestOf(["c", "d"])],
    ])
  })
})
