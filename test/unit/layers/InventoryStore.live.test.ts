import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { InventoryStoreLive } from "../../../layers/InventoryStore.live.ts"
import { InMemoryDriver, KubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { encodeDigest, fingerprint } from "../../../src/inventory/AppliedDigest.ts"
import { entryOf } from "../../../src/inventory/EntryId.ts"
import { APPLIED_DIGEST } from "../../../src/inventory/Labels.ts"
import { InventoryStore } from "../../../src/inventory-store/InventoryStore.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { goShard } from "../../acceptance/harness/goInventory.ts"

const entries = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) =>
    entryOf(
      {
        group: "",
        kind: "ConfigMap",
        namespace: "app",
        name: `cm-${String(from + i).padStart(4, "0")}`,
      },
      "v1",
    ),
  )
const ref = { namespace: "app", stageSet: "ss", stage: "s" }
const desired = (n: number) => ({
  position: 0,
  entries: entries(n),
  applySet: undefined,
  mode: "entries" as const,
})
const withNamespace = Layer.effectDiscard(
  Effect.flatMap(KubeClient, (kube) =>
    kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "app" } }),
  ),
)
const layer = Layer.merge(InventoryStoreLive, withNamespace).pipe(
  Layer.provideMerge(KubeClientInMemory),
  Layer.orDie,
)

const shardWrites = Effect.gen(function* () {
  const driver = yield* InMemoryDriver
  return (yield* driver.writeLog).filter((w) => w.key.kind === "StageInventory" && w.changed)
})

describe("InventoryStore over the in-memory API", () => {
  it.effect("writes only the shard that gains an entry, and nothing when nothing changed", () =>
    Effect.gen(function* () {
      const store = yield* InventoryStore
      const driver = yield* InMemoryDriver
      const empty = yield* store.readStage(ref)
      const nine = yield* store.writeStage(empty, desired(9), 3)
      expect(nine.shards.map((s) => s.entries.length)).toEqual([3, 3, 3])
      yield* driver.clearLogs
      const ten = yield* store.writeStage(yield* store.readStage(ref), desired(10), 3)
      expect(ten.shards.map((s) => s.entries.length)).toEqual([3, 3, 3, 1])
      expect((yield* shardWrites).map((w) => w.key.name)).toEqual(["ss-s-3"])
      yield* driver.clearLogs
      yield* store.writeStage(yield* store.readStage(ref), desired(10), 3)
      expect(yield* shardWrites).toEqual([])
    }).pipe(Effect.provide(layer)),
  )

  it.effect("each shard carries the applied digest of its own entries, read back per shard", () =>
    Effect.gen(function* () {
      const store = yield* InventoryStore
      const driver = yield* InMemoryDriver
      const all = entries(5)
      const applied = new Map(
        all.map((e) => [
          e.id,
          fingerprint({ id: e.id, hash: "h", uid: `uid-${e.id}`, resourceVersion: "1" }),
        ]),
      )
      const digestOf = (ids: ReadonlyArray<string>) =>
        encodeDigest(ids.map((id) => applied.get(id)!))
      yield* store.writeStage(yield* store.readStage(ref), { ...desired(5), applied }, 2)
      const objects = yield* driver.objects({ kind: "StageInventory" })
      const annotation = (name: string) =>
        objects.find((o) => o.metadata.name === name)?.metadata.annotations?.[APPLIED_DIGEST]
      expect(annotation("ss-s-1")).toBe(digestOf(all.slice(2, 4).map((e) => e.id)))
      expect(annotation("ss-s-2")).toBe(digestOf([all[4]!.id]))
      const read = yield* store.readStage(ref)
      expect(read.shards.map((s) => s.digest)).toEqual(
        [all.slice(0, 2), all.slice(2, 4), all.slice(4)].map((part) =>
          digestOf(part.map((e) => e.id)),
        ),
      )
      // Record intent moves nothing: every digest stays, no shard is written for it.
      yield* driver.clearLogs
      yield* store.writeStage(read, desired(5), 2)
      expect(yield* shardWrites).toEqual([])
      // An entry added to shard 2 rewrites its entries; its digest (another field manager's)
      // stays as it was, and a settle then writes the digest alone.
      const six = yield* store.writeStage(read, desired(6), 2)
      const after = yield* driver.objects({ kind: "StageInventory" })
      const shard2 = after.find((o) => o.metadata.name === "ss-s-2")!
      expect((shard2.spec as { entries: Array<unknown> }).entries).toHaveLength(2)
      expect(shard2.metadata.annotations?.[APPLIED_DIGEST]).toBe(digestOf([all[4]!.id]))
      const settled = entries(6)
      const fps = new Map([...applied, [settled[5]!.id, "0123456789abcdef"]])
      yield* store.writeStage(six, { ...desired(6), applied: fps }, 2)
      const final = (yield* driver.objects({ kind: "StageInventory" })).find(
        (o) => o.metadata.name === "ss-s-2",
      )!
      expect(final.metadata.annotations?.[APPLIED_DIGEST]).toBe(
        encodeDigest([applied.get(all[4]!.id)!, "0123456789abcdef"]),
      )
      expect((final.spec as { entries: Array<unknown> }).entries).toHaveLength(2)
    }).pipe(Effect.provide(layer)),
  )

  it.effect("deletes shards highest first and releases their finalizer", () =>
    Effect.gen(function* () {
      const store = yield* InventoryStore
      const driver = yield* InMemoryDriver
      const record = yield* store.writeStage(yield* store.readStage(ref), desired(7), 3)
      yield* driver.clearLogs
      yield* store.deleteStage(record)
      const deletes = (yield* driver.writeLog)
        .filter((w) => w.verb === "delete")
        .map((w) => w.key.name)
      expect(deletes).toEqual(["ss-s-2", "ss-s-1", "ss-s-0"])
      expect(yield* driver.objects({ kind: "StageInventory" })).toEqual([])
    }).pipe(Effect.provide(layer)),
  )

  it.effect(
    "refuses to write over a shard that names another owner (names are not injective)",
    () =>
      Effect.gen(function* () {
        const store = yield* InventoryStore
        // StageSet "a-b" with stage "c" and StageSet "a" with stage "b-c" both give a-b-c-0.
        const first = { namespace: "app", stageSet: "a-b", stage: "c" }
        yield* store.writeStage(yield* store.readStage(first), desired(1), 10)
        const second = { namespace: "app", stageSet: "a", stage: "b-c" }
        const error = yield* Effect.flip(store.readStage(second))
        expect(error._tag).toBe("InventoryCollision")
        expect(error.message).toContain("belongs to StageSet a-b")
        // The same check on a stage its StageSet's LIST found no shard of.
        const listed = yield* store.listStageSet("app", "a")
        expect(listed).toEqual([])
        const again = yield* Effect.flip(store.checkListedStage(second, undefined))
        expect(again._tag).toBe("InventoryCollision")
      }).pipe(Effect.provide(layer)),
  )

  it.effect("checkListedStage: a listed stage's record as readStage reads it, without a LIST", () =>
    Effect.gen(function* () {
      const store = yield* InventoryStore
      const driver = yield* InMemoryDriver
      yield* store.writeStage(yield* store.readStage(ref), desired(3), 10)
      const [listed] = yield* store.listStageSet("app", "ss")
      const before = (yield* driver.requestLog).length
      expect(yield* store.checkListedStage(ref, listed)).toEqual(yield* store.readStage(ref))
      const requests = (yield* driver.requestLog).slice(before).map((r) => r.verb)
      // readStage LISTs; checkListedStage of a record holding shard 0 sends nothing.
      expect(requests).toEqual(["list"])
      const fresh = { ...ref, stage: "new" }
      expect((yield* store.checkListedStage(fresh, undefined)).shards).toEqual([])
    }).pipe(Effect.provide(layer)),
  )

  it.effect(
    "adopts the Go implementation's shards: ours written with every entry before its are deleted",
    () =>
      Effect.gen(function* () {
        const store = yield* InventoryStore
        const kube = yield* KubeClient
        const driver = yield* InMemoryDriver
        // Its shards name their StageSet as owner (the garbage collector would take them otherwise).
        const owner = yield* kube.create({
          apiVersion: "stages.metio.wtf/v1",
          kind: "StageSet",
          metadata: { name: "ss", namespace: "app" },
          spec: { stages: [{ name: "s", sourceRef: { name: "src" } }] },
        })
        const goShards = [0, 1].map((index) =>
          goShard({
            namespace: "app",
            stageSet: "ss",
            stageSetUid: owner.metadata.uid ?? "",
            stage: "s",
            index,
            position: 0,
            entries: entries(3, index * 3),
          }),
        )
        for (const shard of goShards) yield* kube.create(shard)
        const found = yield* store.readStage(ref)
        expect(found.shards).toEqual([])
        expect(found.legacy?.map((s) => s.name)).toEqual(goShards.map((s) => s.metadata.name))
        yield* driver.clearLogs
        const adopted = yield* store.adoptStage(found, 5)
        expect(adopted.shards.map((s) => s.entries.length)).toEqual([5, 1])
        expect(adopted.legacy).toBeUndefined()
        // Make before break: both of ours written, then both of its deleted.
        expect((yield* shardWrites).map((w) => `${w.verb} ${w.key.name}`)).toEqual([
          "apply ss-s-0",
          "apply ss-s-1",
          ...goShards.map((s) => `delete ${s.metadata.name}`),
        ])
        const stored = yield* store.readStage(ref)
        expect(stored.legacy).toBeUndefined()
        expect(stored.shards.flatMap((s) => s.entries)).toEqual(entries(6))
        // Ours carry no owner reference, as every shard of ours.
        const shard0 = yield* kube.get({
          apiVersion: "stages.metio.wtf/v1",
          kind: "StageInventory",
          namespace: "app",
          name: "ss-s-0",
        })
        expect(shard0.metadata.ownerReferences).toBeUndefined()
      }).pipe(Effect.provide(layer)),
  )
})
