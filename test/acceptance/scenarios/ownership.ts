import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { stageApplySetId } from "../../../src/inventory/ApplySetId.ts"
import { APPLYSET_PART_OF, FIELD_MANAGER } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"
import { controller, stuckDeployment, uidOf, writesTo } from "../harness/controller.ts"
import { type AcceptanceEnv, MODES, type ScenarioServices, sharedCluster } from "../harness/Env.ts"
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
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { Recorder } from "../harness/Recorder.ts"

const cms = (...names: ReadonlyArray<string>): Array<KubeObject> => names.map((n) => configMap(n))

const ready = { _tag: "Ready" }

/** S10, S11, S20: ownership moves between stages and StageSets without a delete. */
export const ownership = (env: AcceptanceEnv) =>
  describe.each(MODES)(`ownership [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      Effect.flatMap(sharedCluster(env), (cluster) => controller(cluster, { mode })(body))

    /** Where `name` is recorded: the stage's entries (every mode), and its part-of label outside entries mode. */
    const expectOwnedBy = (ns: string, stageSet: string, stage: string, name: string) =>
      Effect.gen(function* () {
        const live = yield* getObject(cmKey(ns, name))
        expect(live, name).toBeDefined()
        expect(live?.metadata.labels?.[APPLYSET_PART_OF], name).toBe(
          mode === "entries" ? undefined : stageApplySetId(ns, stageSet, stage),
        )
        expect(entryIds(yield* shardsOf(ns, stageSet), stage)).toContain(`${ns}_${name}__ConfigMap`)
      })

    const expectNotListed = (
      ns: string,
      stageSet: string,
      stage: string | undefined,
      name: string,
    ) =>
      Effect.gen(function* () {
        expect(entryIds(yield* shardsOf(ns, stageSet), stage)).not.toContain(
          `${ns}_${name}__ConfigMap`,
        )
      })

    /** No delete of `key` was ever sent by this controller process, and its uid did not change. */
    const expectNeverDeleted = (key: ObjectKey, uid: string | undefined) =>
      Effect.gen(function* () {
        expect(uid).toBeDefined()
        const writes = yield* (yield* Recorder).writes
        expect(writesTo(writes, key).filter((w) => w.verb === "delete")).toEqual([])
        expect(yield* uidOf(key)).toBe(uid)
      })

    it.scopedLive("S10: an object moving between stages is never deleted", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("s10")
          yield* createNamespace(ns)
          yield* setSource(ns, "src-0", { "o.yaml": yamlOf(cms("x", "a")) })
          yield* setSource(ns, "src-1", { "o.yaml": yamlOf(cms("b")) })
          yield* setStageSet(ns, "ss", [
            { name: "s0", source: "src-0" },
            { name: "s1", source: "src-1" },
          ])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
          const uid = yield* uidOf(cmKey(ns, "x"))

          // Forward: stage 0 -> stage 1.
          yield* setSource(ns, "src-0", { "o.yaml": yamlOf(cms("a")) })
          yield* setSource(ns, "src-1", { "o.yaml": yamlOf(cms("b", "x")) })
          expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
          yield* expectNeverDeleted(cmKey(ns, "x"), uid)
          yield* expectOwnedBy(ns, "ss", "s1", "x")
          yield* expectNotListed(ns, "ss", "s0", "x")
          const shards = yield* shardsOf(ns, "ss")
          expect(entryIds(shards, "s0")).toEqual([`${ns}_a__ConfigMap`])
          expect(entryIds(shards, "s1")).toEqual([`${ns}_b__ConfigMap`, `${ns}_x__ConfigMap`])

          // And back: stage 1 -> stage 0.
          yield* setSource(ns, "src-0", { "o.yaml": yamlOf(cms("a", "x")) })
          yield* setSource(ns, "src-1", { "o.yaml": yamlOf(cms("b")) })
          expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
          yield* expectNeverDeleted(cmKey(ns, "x"), uid)
          yield* expectOwnedBy(ns, "ss", "s0", "x")
          yield* expectNotListed(ns, "ss", "s1", "x")
        }),
      ),
    )

    it.scopedLive(
      "S11: a stage removed from spec.stages is pruned after the remaining stages are Ready",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s11")
            yield* createNamespace(ns)
            yield* setSource(ns, "src-0", { "o.yaml": yamlOf(cms("a")) })
            yield* setSource(ns, "src-1", { "o.yaml": yamlOf(cms("dropped", "moved")) })
            yield* setSource(ns, "src-2", { "o.yaml": yamlOf(cms("c")) })
            const stage2 = {
              name: "s2",
              source: "src-2",
              extra: { readyChecks: { timeout: "2s" } },
            }
            yield* setStageSet(ns, "ss", [
              { name: "s0", source: "src-0" },
              { name: "s1", source: "src-1" },
              stage2,
            ])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
            const movedUid = yield* uidOf(cmKey(ns, "moved"))
            const removedShards = (yield* shardsOf(ns, "ss")).filter(
              (s) => s.metadata.labels?.["stages.metio.wtf/stage"] === "s1",
            )
            expect(removedShards.length).toBe(1)

            // s1 leaves the spec and hands `moved` to s0, while s2 cannot become Ready.
            yield* setSource(ns, "src-0", { "o.yaml": yamlOf(cms("a", "moved")) })
            yield* setSource(ns, "src-2", {
              "o.yaml": yamlOf([configMap("c"), stuckDeployment("stuck")]),
            })
            yield* setStageSet(ns, "ss", [{ name: "s0", source: "src-0" }, stage2])
            const failed = yield* reconcile(ns, "ss")
            expect(failed.outcome._tag).toBe("Failed")
            expect(yield* getObject(cmKey(ns, "dropped"))).toBeDefined()
            expect(
              (yield* shardsOf(ns, "ss")).some(
                (s) => s.metadata.labels?.["stages.metio.wtf/stage"] === "s1",
              ),
            ).toBe(true)

            // s2 fixed (and `c` changed, so the walk has an apply to order against): now the
            // removed stage is pruned, after the walk.
            yield* setSource(ns, "src-2", { "o.yaml": yamlOf([configMap("c", { key: "fixed" })]) })
            const recorder = yield* Recorder
            const before = (yield* recorder.writes).length
            expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
            const writes = (yield* recorder.writes).slice(before)
            expect(yield* getObject(cmKey(ns, "dropped"))).toBeUndefined()
            expect(
              (yield* shardsOf(ns, "ss")).map((s) => s.metadata.labels?.["stages.metio.wtf/stage"]),
            ).toEqual(["s0", "s2"])
            yield* expectNeverDeleted(cmKey(ns, "moved"), movedUid)
            yield* expectOwnedBy(ns, "ss", "s0", "moved")
            const removedDeletes = writes.flatMap((w, i) =>
              w.verb === "delete" && (w.key.name === "dropped" || w.key.name.startsWith("ss-s1-"))
                ? [{ i, name: w.key.name }]
                : [],
            )
            expect(removedDeletes.map((d) => d.name)).toEqual(["dropped", "ss-s1-0"])
            const lastApply = writes.findLastIndex(
              (w) => w.verb === "apply" && w.key.kind !== "StageInventory",
            )
            expect(lastApply).toBeGreaterThanOrEqual(0)
            expect(removedDeletes[0]!.i).toBeGreaterThan(lastApply)
          }),
        ),
    )

    describe.each(["first then second", "second then first"] as const)("S20 order: %s", (order) => {
      it.scopedLive("S20: an object handed to another StageSet is never deleted", () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s20")
            yield* createNamespace(ns)
            yield* setSource(ns, "src-first", { "o.yaml": yamlOf(cms("x", "f")) })
            yield* setSource(ns, "src-second", { "o.yaml": yamlOf(cms("s")) })
            yield* setStageSet(ns, "first", [{ name: "app", source: "src-first" }])
            yield* setStageSet(ns, "second", [{ name: "app", source: "src-second" }])
            expect((yield* reconcile(ns, "first")).outcome).toEqual(ready)
            expect((yield* reconcile(ns, "second")).outcome).toEqual(ready)
            const uid = yield* uidOf(cmKey(ns, "x"))
            yield* expectOwnedBy(ns, "first", "app", "x")

            yield* setSource(ns, "src-first", { "o.yaml": yamlOf(cms("f")) })
            yield* setSource(ns, "src-second", { "o.yaml": yamlOf(cms("s", "x")) })
            const sequence =
              order === "first then second" ? ["first", "second"] : ["second", "first"]
            for (const name of sequence)
              expect((yield* reconcile(ns, name)).outcome, name).toEqual(ready)
            // Once more each: the steady state keeps it too.
            for (const name of sequence)
              expect((yield* reconcile(ns, name)).outcome, name).toEqual(ready)

            yield* expectNeverDeleted(cmKey(ns, "x"), uid)
            yield* expectOwnedBy(ns, "second", "app", "x")
            yield* expectNotListed(ns, "first", undefined, "x")
            expect(yield* getObject(cmKey(ns, "f"))).toBeDefined()
            expect(yield* getObject(cmKey(ns, "s"))).toBeDefined()
          }),
        ),
      )
    })

    it.scopedLive(
      "an object another tool took over (it now holds every field we set) is not pruned when the render drops it, and leaves the record",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("own")
            yield* createNamespace(ns)
            yield* setSource(ns, "src", { "o.yaml": yamlOf(cms("kept", "taken")) })
            yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
            const uid = yield* uidOf(cmKey(ns, "taken"))

            // Another tool sets its own value for every field we set, forcing: the fields move
            // to it (an equal value would only be shared), and our field manager drops out of
            // managedFields.
            const live = (yield* getObject(cmKey(ns, "taken")))!
            const theirs = (values: Record<string, string> | undefined) =>
              Object.fromEntries(Object.keys(values ?? {}).map((k) => [k, "another-tool"]))
            const kube = yield* KubeClient
            yield* kube.apply(
              {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "taken", namespace: ns, labels: theirs(live.metadata.labels) },
                data: theirs((live as { data?: Record<string, string> }).data),
              },
              { fieldManager: "another-tool", force: true },
            )
            const after = (yield* getObject(cmKey(ns, "taken")))!
            expect(
              (after.metadata.managedFields ?? []).map((f) => (f as { manager?: string }).manager),
            ).not.toContain(FIELD_MANAGER)

            yield* setSource(ns, "src", { "o.yaml": yamlOf(cms("kept")) })
            expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
            yield* expectNeverDeleted(cmKey(ns, "taken"), uid)
            yield* expectNotListed(ns, "ss", "app", "taken")
            yield* expectOwnedBy(ns, "ss", "app", "kept")
          }),
        ),
    )
  })
