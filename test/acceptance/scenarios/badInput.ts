import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { API_VERSION, STAGE_INVENTORY_KIND } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { type AcceptanceEnv, MODES, scenarioLayer } from "../harness/Env.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  entryIds,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  statusOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { Recorder } from "../harness/Recorder.ts"

/** Two good documents, then `third` as document 2 of the same file. */
const brokenFile = (third: string) => `${yamlOf([configMap("b0"), configMap("b1")])}---\n${third}`

interface BadCase {
  readonly name: string
  /** Sources of stages s0 and s1 in the broken revision (s0 also drops `drop`, adds `new`). */
  readonly s0: Record<string, string>
  readonly s1: Record<string, string>
  readonly reason: "BuildFailed" | "InvalidSpec"
  /** What the message must name: the file and the document. */
  readonly where: ReadonlyArray<string>
}

const next = yamlOf([configMap("keep"), configMap("new")])
const other = yamlOf([configMap("other")])

const CASES: ReadonlyArray<BadCase> = [
  {
    name: "invalid YAML",
    s0: { "app.yaml": next, "broken.yaml": brokenFile("apiVersion: v1\nmetadata: {name: bad\n") },
    s1: { "other.yaml": other },
    reason: "BuildFailed",
    where: ["broken.yaml", "document 2"],
  },
  {
    name: "a document without kind",
    s0: { "app.yaml": next, "broken.yaml": brokenFile("apiVersion: v1\nmetadata:\n  name: x\n") },
    s1: { "other.yaml": other },
    reason: "BuildFailed",
    where: ["broken.yaml", "document 2", "kind"],
  },
  {
    name: "duplicate ids across stages",
    s0: { "app.yaml": next },
    s1: { "other.yaml": yamlOf([configMap("other"), configMap("keep")]) },
    // semantics.md 8: a duplicate id is a build error, named by file and document.
    reason: "BuildFailed",
    where: ["other.yaml document 1", "app.yaml document 0"],
  },
  {
    name: "an unknown kind",
    s0: {
      "app.yaml": next,
      "broken.yaml": brokenFile(
        "apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
      ),
    },
    s1: { "other.yaml": other },
    reason: "InvalidSpec",
    where: ["broken.yaml", "document 2", "Widget"],
  },
]

/** resourceVersion of the members and the shards, by kind/name. */
const versions = (ns: string) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const out: Record<string, string | undefined> = {}
    for (const name of ["keep", "drop", "other", "new", "b0", "b1"])
      out[`ConfigMap/${name}`] = (yield* getObject(cmKey(ns, name)))?.metadata.resourceVersion
    const shards = yield* kube.list(
      { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND },
      { namespace: ns },
    )
    for (const s of shards.items)
      out[`StageInventory/${s.metadata.name}`] = s.metadata.resourceVersion
    return out
  })

/** S16: a broken revision fails the run before any write: nothing applied, nothing pruned. */
export const badInput = (env: AcceptanceEnv) =>
  describe.each(MODES)(`S16 bad input [${env.name}] mode=%s`, (mode) => {
    it.live.each(CASES)("S16: $name fails the run and changes nothing", (bad) =>
      Effect.gen(function* () {
        const ns = uniqueName("s16")
        yield* createNamespace(ns)
        yield* setSource(ns, "src-0", {
          "app.yaml": yamlOf([configMap("keep"), configMap("drop")]),
        })
        yield* setSource(ns, "src-1", { "other.yaml": other })
        yield* setStageSet(ns, "ss", [
          { name: "s0", source: "src-0" },
          { name: "s1", source: "src-1" },
        ])
        expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
        const before = yield* versions(ns)
        const shardsBefore = yield* shardsOf(ns, "ss")

        // The broken revision also drops `drop` and adds `new`: neither may happen.
        yield* setSource(ns, "src-0", bad.s0)
        yield* setSource(ns, "src-1", bad.s1)
        const recorder = yield* Recorder
        yield* recorder.clear
        const report = yield* reconcile(ns, "ss")
        expect(report.outcome._tag).toBe("Failed")
        const failure = report.outcome._tag === "Failed" ? report.outcome.failure : undefined
        expect(failure?.reason).toBe(bad.reason)
        for (const part of bad.where) expect(failure?.message).toContain(part)
        const ready = (yield* statusOf(ns, "ss"))?.conditions?.find((c) => c.type === "Ready")
        expect(ready).toMatchObject({ status: "False", reason: bad.reason })
        for (const part of bad.where) expect(ready?.message).toContain(part)

        // Only the status was written; every member and shard is exactly as before.
        expect((yield* recorder.writes).filter((w) => w.verb !== "updateStatus")).toEqual([])
        expect(yield* versions(ns)).toEqual(before)
        expect(before["ConfigMap/drop"]).toBeDefined()
        expect(before["ConfigMap/new"]).toBeUndefined()
        expect(yield* shardsOf(ns, "ss")).toEqual(shardsBefore)

        // Fixed: the same change goes through.
        yield* setSource(ns, "src-0", { "app.yaml": next })
        yield* setSource(ns, "src-1", { "other.yaml": other })
        expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
        expect(yield* getObject(cmKey(ns, "drop"))).toBeUndefined()
        expect(yield* getObject(cmKey(ns, "new"))).toBeDefined()
        if (mode !== "applyset")
          expect(entryIds(yield* shardsOf(ns, "ss"), "s0")).toEqual([
            `${ns}_keep__ConfigMap`,
            `${ns}_new__ConfigMap`,
          ])
      }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode }))),
    )

    it.live(
      "a hand-edited shard entry that names no object: a Warning names shard and entry, it is kept, the rest prunes as usual",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("s16m")
          yield* createNamespace(ns)
          yield* setSource(ns, "src-0", {
            "app.yaml": yamlOf([configMap("keep"), configMap("drop")]),
          })
          yield* setStageSet(ns, "ss", [{ name: "s0", source: "src-0" }])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

          // Someone adds an entry by hand with the wrong separators, and the render drops `drop`.
          const kube = yield* KubeClient
          const shard = (yield* shardsOf(ns, "ss")).find((o) => o.metadata.name === "ss-s0-0")!
          const spec = shard.spec as { entries: ReadonlyArray<{ id: string; v: string }> }
          const bad = { id: `${ns}/keep/ConfigMap`, v: "v1" }
          yield* kube.update({ ...shard, spec: { ...spec, entries: [...spec.entries, bad] } })
          yield* setSource(ns, "src-0", { "app.yaml": yamlOf([configMap("keep")]) })

          const report = yield* reconcile(ns, "ss")
          expect(report.outcome).toEqual({ _tag: "Ready" })
          const warning = report.events.find((e) => e.reason === "InventoryEntryMalformed")
          expect(warning?.type).toBe("Warning")
          expect(warning?.message).toContain("ss-s0-0")
          expect(warning?.message).toContain(bad.id)
          expect(yield* getObject(cmKey(ns, "drop"))).toBeUndefined()
          expect(yield* getObject(cmKey(ns, "keep"))).toBeDefined()
          // Kept for a person to correct: neither dropped nor guessed at.
          expect(entryIds(yield* shardsOf(ns, "ss"), "s0").sort()).toEqual(
            [`${ns}_keep__ConfigMap`, bad.id].sort(),
          )

          // Teardown says it leaves whatever the entry meant behind.
          yield* kube.delete({
            apiVersion: API_VERSION,
            kind: "StageSet",
            namespace: ns,
            name: "ss",
          })
          const gone = yield* reconcile(ns, "ss")
          expect(gone.outcome).toEqual({ _tag: "Deleted" })
          expect(gone.events).toContainEqual(
            expect.objectContaining({
              type: "Warning",
              reason: "InventoryEntryMalformed",
              message: expect.stringContaining("teardown"),
            }),
          )
          expect(yield* getObject(cmKey(ns, "keep"))).toBeUndefined()
        }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode }))),
    )
  })
