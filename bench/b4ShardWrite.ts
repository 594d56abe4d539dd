import { Duration, Effect, type Scope } from "effect"
import { makeInventoryStore } from "../layers/InventoryStore.live.ts"
import { emptyRecord, encodeShard, encodeShardDigest } from "../layers/inventory/shardCodec.ts"
import { encodeDigest, fingerprint } from "../src/inventory/AppliedDigest.ts"
import { stageApplySetId } from "../src/inventory/ApplySetId.ts"
import type { Entry } from "../src/inventory/Entry.ts"
import { formatEntryId } from "../src/inventory/EntryId.ts"
import { API_VERSION, applySetTooling, STAGE_INVENTORY_KIND } from "../src/inventory/Labels.ts"
import type { ApplySetMeta, DesiredRecord } from "../src/inventory/StageRecord.ts"
import { CONTROLLER_VERSION } from "../src/version.ts"
import { STAGE, STAGE_SET } from "./b1FirstApply.ts"
import { rawKubeClient } from "./support/cluster.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { makeCountingKubeClient } from "./support/countingKubeClient.ts"
import { withNamespace } from "./support/namespaces.ts"
import { bound, compare, median, row } from "./support/results.ts"

const entryOf = (namespace: string, name: string): Entry => ({
  id: formatEntryId({ group: "", kind: "ConfigMap", namespace, name }),
  v: "v1",
})

const byId = (a: Entry, b: Entry) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value))

/** The JSON bytes of every shard a full re-split of `entries` would write (sorted, cut every `cap`). */
const naiveResplitBytes = (
  namespace: string,
  entries: ReadonlyArray<Entry>,
  cap: number,
  applySet: ApplySetMeta,
) => {
  const sorted = [...entries].sort(byId)
  let bytes = 0
  let shards = 0
  for (let i = 0; i < sorted.length; i += cap, shards++)
    bytes += jsonBytes(
      encodeShard({
        namespace,
        stageSet: STAGE_SET,
        stage: STAGE,
        position: 0,
        index: shards,
        entries: sorted.slice(i, i + cap),
        mode: "hybrid",
        applySet: shards === 0 ? applySet : undefined,
      }),
    )
  return { bytes, shards }
}

/**
 * B4: a stage of `entries` entries stored through the InventoryStore (shard cap `cap`)
 * against the real server; then one object is added. Two layouts: every shard full (the
 * new entry opens a shard), and one hole left by an earlier removal (the new entry fills
 * it). Counted: shards written and their bytes, against a naive re-split that rewrites all.
 */
export const b4ShardWrite = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { entries: n, cap } = ctx.sizes.b4
    out.sizes.entries = n
    out.sizes.cap = cap
    const raw = yield* rawKubeClient(ctx.cluster.kubeconfigPath, "stageset-controller/bench-b4")
    const { client, counter } = makeCountingKubeClient(raw)
    const store = makeInventoryStore(client)
    const names = Array.from({ length: n }, (_, i) => `cm-${String(i).padStart(6, "0")}`)
    // The removed entry sits in the middle shard.
    const holeAt = Math.floor(n / cap / 2) * cap + Math.floor(cap / 2)

    for (const layout of ["full", "hole"] as const) {
      const workload =
        layout === "full"
          ? `add 1 to ${n} entries (all ${n / cap} shards full), cap ${cap}`
          : `add 1 to ${n - 1} entries (1 hole), cap ${cap}`
      const samples = new Samples()
      let naiveShards = 0
      for (let rep = 1; rep <= ctx.reps; rep++)
        yield* withNamespace(ctx, "b4", (ns) =>
          Effect.gen(function* () {
            const applySet: ApplySetMeta = {
              id: stageApplySetId(ns, STAGE_SET, STAGE),
              tooling: applySetTooling(CONTROLLER_VERSION),
              groupKinds: ["ConfigMap"],
              additionalNamespaces: [],
            }
            const desired = (entries: ReadonlyArray<Entry>): DesiredRecord => ({
              position: 0,
              entries,
              mode: "hybrid",
              applySet,
            })
            const all = names.map((name) => entryOf(ns, name))
            const base = layout === "full" ? all : all.filter((_, i) => i !== holeAt)
            const added = [...base, entryOf(ns, "cm-added")]
            const ref = { namespace: ns, stageSet: STAGE_SET, stage: STAGE }
            // Setup: the stored stage as earlier reconciles left it.
            let record = yield* store.writeStage(
              emptyRecord(ns, STAGE_SET, STAGE),
              desired(all),
              cap,
            )
            if (layout === "hole") record = yield* store.writeStage(record, desired(base), cap)
            const current = yield* store.readStage(ref)

            counter.reset()
            const [elapsed] = yield* Effect.timed(store.writeStage(current, desired(added), cap))
            const counts = counter.snapshot()
            const stored = yield* store.readStage(ref)
            const storedCount = stored.shards.reduce((sum, s) => sum + s.entries.length, 0)
            if (storedCount !== added.length)
              return yield* Effect.dieMessage(
                `stored ${storedCount} entries, expected ${added.length}`,
              )
            // One full shard as encoded, and the naive re-split of the new record (ids, and so
            // sizes, depend on this repetition's namespace name).
            const sorted = [...all].sort(byId)
            const oneShard = jsonBytes(
              encodeShard({
                ...ref,
                position: 0,
                index: 1,
                entries: sorted.slice(cap, 2 * cap),
                mode: "hybrid",
                applySet: undefined,
              }),
            )
            const naive = naiveResplitBytes(ns, added, cap, applySet)
            naiveShards = naive.shards
            const bytes = counts.bytesByKind.StageInventory ?? 0
            samples.add("shards", counts.writesByKind.StageInventory ?? 0, counts.byVerb)
            samples.add("bytes", bytes, { oneShardBytes: oneShard })
            samples.add("perShard", bytes / oneShard)
            samples.add("naive", naive.bytes)
            samples.add("naivePerStore", naive.bytes / Math.max(1, bytes))
            samples.add("ms", Duration.toMillis(elapsed))
            ctx.progress(
              `B4 ${layout} rep ${rep}/${ctx.reps}: ${counts.writesByKind.StageInventory ?? 0} shard(s), ${bytes} bytes (one full shard ${oneShard}), ${fmtMs(Duration.toMillis(elapsed))}`,
            )
          }).pipe(Effect.orDie),
        )
      out.rows.push(
        row(workload, "InventoryStore: shards written", "shards", samples.get("shards"), {
          ...bound(median(samples.get("shards")), { atMost: 1 }),
          details: { byVerbPerRep: samples.details("shards") },
        }),
        row(workload, "InventoryStore: bytes written", "bytes", samples.get("bytes"), {
          ...compare("bytes/one shard", median(samples.get("perShard")), { atMost: 1.1 }),
          details: { perRep: samples.details("bytes") },
        }),
        row(workload, `naive re-split: ${naiveShards} shards`, "bytes", samples.get("naive"), {
          comparison: { label: "naive/store", value: median(samples.get("naivePerStore")) },
        }),
        row(workload, "InventoryStore: writeStage time", "ms", samples.get("ms")),
      )
    }

    // The same addition as the controller writes it: every shard carries its applied digest
    // (as the settles before left them), record intent writes the new entry, the apply
    // happens, and the settle writes the digest of the shard that holds it.
    const fingerprintsOf = (entries: ReadonlyArray<Entry>) =>
      new Map(
        entries.map((e) => [
          e.id,
          fingerprint({ id: e.id, hash: "h", uid: `uid-${e.id}`, resourceVersion: "1" }),
        ]),
      )
    for (const layout of ["full", "hole"] as const) {
      const workload =
        layout === "full"
          ? `add 1 to ${n} entries (all ${n / cap} shards full), cap ${cap}`
          : `add 1 to ${n - 1} entries (1 hole), cap ${cap}`
      const samples = new Samples()
      for (let rep = 1; rep <= ctx.reps; rep++)
        yield* withNamespace(ctx, "b4", (ns) =>
          Effect.gen(function* () {
            const applySet: ApplySetMeta = {
              id: stageApplySetId(ns, STAGE_SET, STAGE),
              tooling: applySetTooling(CONTROLLER_VERSION),
              groupKinds: ["ConfigMap"],
              additionalNamespaces: [],
            }
            const desired = (
              entries: ReadonlyArray<Entry>,
              applied?: ReadonlyMap<string, string>,
            ): DesiredRecord => ({ position: 0, entries, mode: "hybrid", applySet, applied })
            const all = names.map((name) => entryOf(ns, name))
            const base = layout === "full" ? all : all.filter((_, i) => i !== holeAt)
            const added = [...base, entryOf(ns, "cm-added")]
            const ref = { namespace: ns, stageSet: STAGE_SET, stage: STAGE }
            let record = yield* store.writeStage(
              emptyRecord(ns, STAGE_SET, STAGE),
              desired(all, fingerprintsOf(all)),
              cap,
            )
            if (layout === "hole")
              record = yield* store.writeStage(record, desired(base, fingerprintsOf(base)), cap)
            const versions = () =>
              Effect.map(
                raw.list(
                  { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND },
                  { namespace: ns },
                ),
                (list) =>
                  new Map(list.items.map((o) => [o.metadata.name, o.metadata.resourceVersion])),
              )
            const before = yield* versions()
            const current = yield* store.readStage(ref)

            counter.reset()
            const intent = yield* store.writeStage(current, desired(added), cap)
            yield* store.writeStage(intent, desired(added, fingerprintsOf(added)), cap)
            const counts = counter.snapshot()
            const after = yield* versions()
            const shards = [...after].filter(([name, rv]) => before.get(name) !== rv).length
            const sorted = [...all].sort(byId)
            // One full shard as stored: its content and its digest.
            const oneShard =
              jsonBytes(
                encodeShard({
                  ...ref,
                  position: 0,
                  index: 1,
                  entries: sorted.slice(cap, 2 * cap),
                  mode: "hybrid",
                  applySet: undefined,
                }),
              ) +
              jsonBytes(
                encodeShardDigest(
                  ref,
                  1,
                  encodeDigest(fingerprintsOf(sorted.slice(cap, 2 * cap)).values()),
                ),
              )
            const bytes = counts.bytesByKind.StageInventory ?? 0
            samples.add("shards", shards, { writes: counts.writesByKind.StageInventory ?? 0 })
            samples.add("bytes", bytes, { oneShardBytes: oneShard })
            samples.add("perShard", bytes / oneShard)
            ctx.progress(
              `B4 ${layout} controller writes rep ${rep}/${ctx.reps}: ${shards} shard(s) in ${counts.writesByKind.StageInventory ?? 0} write(s), ${bytes} bytes (one full shard ${oneShard})`,
            )
          }).pipe(Effect.orDie),
        )
      out.rows.push(
        row(
          workload,
          "controller's writes (intent + settle, digests): shards written",
          "shards",
          samples.get("shards"),
          {
            ...bound(median(samples.get("shards")), { atMost: 1 }),
            details: { writesPerRep: samples.details("shards") },
          },
        ),
        row(
          workload,
          "controller's writes (intent + settle, digests): bytes written",
          "bytes",
          samples.get("bytes"),
          {
            ...compare("bytes/one shard", median(samples.get("perShard")), { atMost: 1.1 }),
            details: { perRep: samples.details("bytes") },
          },
        ),
      )
    }
  })
