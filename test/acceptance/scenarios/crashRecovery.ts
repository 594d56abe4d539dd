import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import {
  API_VERSION,
  PRUNE_DISABLED,
  PRUNE_KEY,
  STAGE_INVENTORY_KIND,
} from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { defaultReconcileConfig } from "../../../src/programs/ReconcileConfig.ts"
import type { ReconcileOutcome } from "../../../src/programs/reconcileStageSet.ts"
import { expectConverged, forgetStageSet, isSimulatedCrash } from "../harness/crashCheck.ts"
import {
  type AcceptanceEnv,
  MODES,
  type ScenarioServices,
  scenarioLayer,
  sharedCluster,
} from "../harness/Env.ts"
import {
  configMap,
  createNamespace,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { orphans, wrongfulDeletes } from "../harness/invariants.ts"
import { type RecordedWrite, Recorder } from "../harness/Recorder.ts"

const SS = "ss"
const CONFIG_MAPS = [{ apiVersion: "v1", kind: "ConfigMap" }]
const optedOut = (name: string) =>
  configMap(name, { a: "b" }, { annotations: { [PRUNE_KEY]: PRUNE_DISABLED } })
const maps = (names: ReadonlyArray<string>) => yamlOf(names.map((n) => configMap(n)))
const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

/** One scenario of S13: a "before" state, the user's change, and where it must end. */
interface CrashCase {
  readonly name: string
  readonly shardCap?: number
  /** The inventory mode after the change (a switch); default: the test's mode. */
  readonly nextMode?: (mode: InventoryMode) => InventoryMode
  readonly before: (ns: string) => Effect.Effect<void, unknown, ScenarioServices>
  readonly change: (ns: string) => Effect.Effect<void, unknown, ScenarioServices>
  /** ConfigMaps each stage renders after the change. */
  readonly after: Readonly<Record<string, ReadonlyArray<string>>>
  /** Opted-out ConfigMaps (`stages.metio.wtf/prune: disabled`): never deleted, they survive. */
  readonly optedOut: ReadonlyArray<string>
  readonly teardown?: boolean
}

const NEXT: Record<InventoryMode, InventoryMode> = {
  hybrid: "entries",
  entries: "applyset",
  applyset: "hybrid",
}

const CASES: ReadonlyArray<CrashCase> = [
  {
    name: "S3: objects removed from two stages (one opted out), one added",
    before: (ns) =>
      Effect.gen(function* () {
        yield* setSource(ns, "src-a", { "a.yaml": maps(["a1", "a2", "a-drop"]) })
        yield* setSource(ns, "src-b", {
          "b.yaml": yamlOf([configMap("b1"), configMap("b-drop"), optedOut("b-keep")]),
        })
        yield* setStageSet(ns, SS, [
          { name: "a", source: "src-a" },
          { name: "b", source: "src-b" },
        ])
      }),
    change: (ns) =>
      Effect.gen(function* () {
        yield* setSource(ns, "src-a", { "a.yaml": maps(["a1", "a2", "a-new"]) })
        yield* setSource(ns, "src-b", { "b.yaml": maps(["b1"]) })
      }),
    after: { a: ["a1", "a2", "a-new"], b: ["b1"] },
    optedOut: ["b-keep"],
  },
  {
    name: "S6: shard cap 3, 10 objects -> 3",
    shardCap: 3,
    before: (ns) =>
      Effect.gen(function* () {
        yield* setSource(ns, "src", { "x.yaml": maps(range("c", 10)) })
        yield* setStageSet(ns, SS, [{ name: "only", source: "src" }])
      }),
    change: (ns) => setSource(ns, "src", { "x.yaml": maps(range("c", 3)) }),
    after: { only: range("c", 3) },
    optedOut: [],
  },
  {
    name: "S7: the StageSet is deleted (teardown of two stages)",
    before: (ns) =>
      Effect.gen(function* () {
        yield* setSource(ns, "src-a", { "a.yaml": maps(["a1", "a2"]) })
        yield* setSource(ns, "src-b", {
          "b.yaml": yamlOf([configMap("b1"), configMap("b2"), optedOut("b-keep")]),
        })
        yield* setStageSet(ns, SS, [
          { name: "a", source: "src-a" },
          { name: "b", source: "src-b" },
        ])
      }),
    change: (ns) =>
      Effect.flatMap(KubeClient, (kube) =>
        kube.delete({ apiVersion: API_VERSION, kind: "StageSet", namespace: ns, name: SS }),
      ),
    after: {},
    optedOut: ["b-keep"],
    teardown: true,
  },
  {
    name: "S9: mode switch with one object removed",
    nextMode: (mode) => NEXT[mode],
    before: (ns) =>
      Effect.gen(function* () {
        yield* setSource(ns, "src", { "x.yaml": maps(["s1", "s2", "s3"]) })
        yield* setStageSet(ns, SS, [{ name: "only", source: "src" }])
      }),
    change: (ns) => setSource(ns, "src", { "x.yaml": maps(["s1", "s2"]) }),
    after: { only: ["s1", "s2"] },
    optedOut: [],
  },
  {
    name: "S24: shard 0 of 3 deleted by hand (Terminating), one object removed",
    shardCap: 1,
    before: (ns) =>
      Effect.gen(function* () {
        yield* setSource(ns, "src", { "x.yaml": maps(["r1", "r2", "r3"]) })
        yield* setStageSet(ns, SS, [{ name: "only", source: "src" }])
      }),
    change: (ns) =>
      Effect.gen(function* () {
        // Our finalizer keeps it Terminating: the repair must copy its entry out first.
        yield* deleteShard(ns, `${SS}-only-0`)
        yield* setSource(ns, "src", { "x.yaml": maps(["r1", "r3"]) })
      }),
    after: { only: ["r1", "r3"] },
    optedOut: [],
  },
  {
    // One shard: deleting every shard orphans the objects (the user broke invariant A, in
    // entries mode nothing else records them), and the rebuild's first record write must
    // restore it. With several shards the later ones stay missing until they are written.
    name: "S24: every shard lost (finalizers stripped), render unchanged",
    before: (ns) =>
      Effect.gen(function* () {
        yield* setSource(ns, "src", { "x.yaml": maps(["l1", "l2", "l3"]) })
        yield* setStageSet(ns, SS, [{ name: "only", source: "src" }])
      }),
    change: (ns) =>
      Effect.gen(function* () {
        const kube = yield* KubeClient
        for (const shard of yield* shardsOf(ns, SS)) {
          yield* kube.update({ ...shard, metadata: { ...shard.metadata, finalizers: [] } })
          yield* deleteShard(ns, shard.metadata.name)
        }
      }),
    after: { only: ["l1", "l2", "l3"] },
    optedOut: [],
  },
]

const deleteShard = (namespace: string, name: string) =>
  Effect.flatMap(KubeClient, (kube) =>
    kube.delete({ apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND, namespace, name }),
  )
const converged = (outcome: ReconcileOutcome | undefined, teardown: boolean) =>
  outcome !== undefined &&
  (teardown ? outcome._tag === "Deleted" || outcome._tag === "NotFound" : outcome._tag === "Ready")

/**
 * One run of a case on a fresh namespace (a fresh in-memory cluster): set up the "before"
 * state, change the input, reconcile, optionally dying right after write `crashAt`; check
 * invariants A and B at the crash, restart (a new process: fresh layers over the same
 * cluster) until converged, check A and B over every write and the converged state.
 */
const runCase = (
  cluster: Layer.Layer<KubeClient>,
  mode: InventoryMode,
  c: CrashCase,
  crashAt: number | undefined,
) =>
  Effect.gen(function* () {
    const ns = uniqueName("s13")
    const layerOf = (m: InventoryMode) =>
      scenarioLayer(cluster, {
        mode: m,
        ...(c.shardCap === undefined ? {} : { shardCap: c.shardCap }),
      })
    const afterMode = c.nextMode?.(mode) ?? mode
    const idOf = (name: string) => `${ns}_${name}__ConfigMap`
    const render = new Set(Object.values(c.after).flat().map(idOf))
    const protectedIds = new Set([...render, ...c.optedOut.map(idOf)])
    const at = crashAt === undefined ? "uninterrupted" : `crash after write ${crashAt}`
    const checkInvariants = (writes: ReadonlyArray<RecordedWrite>, when: string) =>
      Effect.gen(function* () {
        const found = yield* orphans({ namespace: ns, kinds: CONFIG_MAPS, render })
        expect(found, `invariant A, ${at}, ${when}`).toEqual([])
        expect(wrongfulDeletes(writes, protectedIds), `invariant B, ${at}, ${when}`).toEqual([])
      })

    yield* Effect.provide(
      Effect.gen(function* () {
        yield* createNamespace(ns)
        yield* c.before(ns)
        expect((yield* reconcile(ns, SS)).outcome).toEqual({ _tag: "Ready" })
        yield* c.change(ns)
      }),
      layerOf(mode),
    )

    const first = yield* Effect.provide(
      Effect.gen(function* () {
        const recorder = yield* Recorder
        yield* recorder.clear
        if (crashAt !== undefined) yield* recorder.crashAfter(crashAt)
        const exit = yield* Effect.exit(reconcile(ns, SS))
        const writes = yield* recorder.writes
        if (crashAt === undefined) {
          const outcome = exit._tag === "Success" ? exit.value.outcome : undefined
          expect(converged(outcome, c.teardown === true), `uninterrupted run: ${exit}`).toBe(true)
        } else expect(isSimulatedCrash(exit), `${at}: ${exit}`).toBe(true)
        yield* checkInvariants(writes, "right after the crash")
        return writes
      }),
      layerOf(afterMode),
    )

    const restart =
      crashAt === undefined
        ? []
        : yield* Effect.provide(
            Effect.gen(function* () {
              let outcome: ReconcileOutcome | undefined
              for (let k = 0; k < 2 && !converged(outcome, c.teardown === true); k++)
                outcome = (yield* reconcile(ns, SS)).outcome
              expect(converged(outcome, c.teardown === true), `${at}: restart`).toBe(true)
              return yield* Effect.flatMap(Recorder, (r) => r.writes)
            }),
            layerOf(afterMode),
          )

    const state = yield* Effect.provide(
      Effect.gen(function* () {
        yield* checkInvariants([...first, ...restart], "after the restart")
        const final = yield* expectConverged({
          namespace: ns,
          stageSet: SS,
          mode: afterMode,
          shardCap: c.shardCap ?? defaultReconcileConfig.shardCap,
          stages: c.after,
          survivors: c.optedOut,
          stageSetExists: c.teardown !== true,
        })
        yield* forgetStageSet(ns, SS)
        return final
      }),
      layerOf(afterMode),
    )
    return { writes: first.length, state }
  })

/**
 * S13: each case runs once uninterrupted to count its writes N, then once for every i in
 * 1..N, in-memory and live alike: killed right after its i-th write, invariants A and B
 * checked at that instant, restarted, and its converged state compared with the
 * uninterrupted run's. Live this is ~250 runs of under a second each (about 3 minutes).
 */
export const crashRecovery = (env: AcceptanceEnv) =>
  describe.each(MODES)(`crash recovery S13 [${env.name}] mode=%s`, (mode) => {
    const once = (c: CrashCase, crashAt: number | undefined) =>
      Effect.scoped(
        Effect.flatMap(sharedCluster(env), (cluster) => runCase(cluster, mode, c, crashAt)),
      )
    for (const c of CASES)
      it.live(
        `${c.name}: killed after each write and restarted, converges; A and B hold throughout`,
        () =>
          Effect.gen(function* () {
            const baseline = yield* once(c, undefined)
            expect(baseline.writes).toBeGreaterThan(0)
            for (let i = 1; i <= baseline.writes; i++) {
              const run = yield* once(c, i)
              expect(run.state, `crash after write ${i}`).toEqual(baseline.state)
            }
          }),
        300_000,
      )
  })
