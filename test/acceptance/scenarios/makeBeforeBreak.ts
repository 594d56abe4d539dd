import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { stageApplySetId } from "../../../src/inventory/ApplySetId.ts"
import { APPLYSET_CONTAINS_GROUP_KINDS, APPLYSET_PART_OF } from "../../../src/inventory/Labels.ts"
import { controller, stuckDeployment, writesTo } from "../harness/controller.ts"
import { type AcceptanceEnv, MODES, sharedCluster } from "../harness/Env.ts"
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

const FIXES = [
  { name: "the Deployment is removed", disableWait: false },
  { name: "readyChecks.disableWait is set", disableWait: true },
] as const

/** S21: an object a stage drops is pruned only once every stage is Ready, across restarts too. */
export const makeBeforeBreak = (env: AcceptanceEnv) =>
  describe.each(MODES)(`S21 make before break [${env.name}] mode=%s`, (mode) => {
    it.scopedLive.each(FIXES)(
      "S21: X survives while stage 1 times out (and a restart); pruned once $name",
      (fix) =>
        Effect.gen(function* () {
          const cluster = yield* sharedCluster(env)
          // Every run is its own controller process over the same cluster.
          const process = () => controller(cluster, { mode })
          const ns = uniqueName("s21")
          const x = cmKey(ns, "x")
          const stage1 = (readyChecks: Record<string, unknown>) => ({
            name: "s1",
            source: "src-1",
            extra: { readyChecks },
          })

          /** X exists and stage 0's record still accounts for it; it was never deleted. */
          const expectXRecorded = Effect.gen(function* () {
            const live = yield* getObject(x)
            expect(live).toBeDefined()
            const writes = yield* (yield* Recorder).writes
            expect(writesTo(writes, x).filter((w) => w.verb === "delete")).toEqual([])
            const shards = yield* shardsOf(ns, "ss")
            expect(entryIds(shards, "s0")).toContain(`${ns}_x__ConfigMap`)
            if (mode !== "entries") {
              expect(live?.metadata.labels?.[APPLYSET_PART_OF]).toBe(
                stageApplySetId(ns, "ss", "s0"),
              )
              const shard0 = shards.find((s) => s.metadata.name === "ss-s0-0")
              expect(shard0?.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS]).toContain(
                "ConfigMap",
              )
            }
          })

          const broken = Effect.gen(function* () {
            const report = yield* reconcile(ns, "ss")
            expect(report.outcome._tag).toBe("Failed")
            if (report.outcome._tag === "Failed")
              expect(report.outcome.failure.reason).toBe("VerifyTimeout")
            const status = yield* statusOf(ns, "ss")
            expect(status?.stages?.map((s) => [s.name, s.phase])).toEqual([
              ["s0", "Ready"],
              ["s1", "Failed"],
            ])
            yield* expectXRecorded
          })

          yield* process()(
            Effect.gen(function* () {
              yield* createNamespace(ns)
              yield* setSource(ns, "src-0", {
                "o.yaml": yamlOf([configMap("x"), configMap("keep")]),
              })
              yield* setSource(ns, "src-1", { "o.yaml": yamlOf([configMap("y")]) })
              yield* setStageSet(ns, "ss", [
                { name: "s0", source: "src-0" },
                stage1({ timeout: "2s" }),
              ])
              expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

              // Stage 0 drops X in the same revision in which stage 1 cannot become Ready.
              yield* setSource(ns, "src-0", { "o.yaml": yamlOf([configMap("keep")]) })
              yield* setSource(ns, "src-1", {
                "o.yaml": yamlOf([configMap("y"), stuckDeployment("stuck")]),
              })
              yield* broken
            }),
          )
          // The controller restarts: it must still not prune X, nor forget it.
          yield* process()(broken)

          yield* process()(
            Effect.gen(function* () {
              if (fix.disableWait)
                yield* setStageSet(ns, "ss", [
                  { name: "s0", source: "src-0" },
                  stage1({ timeout: "2s", disableWait: true }),
                ])
              else yield* setSource(ns, "src-1", { "o.yaml": yamlOf([configMap("y")]) })
              expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
              expect(yield* getObject(x)).toBeUndefined()
              const deletes = writesTo(yield* (yield* Recorder).writes, x).filter(
                (w) => w.verb === "delete",
              )
              expect(deletes.length).toBe(1)
              if (mode !== "applyset")
                expect(entryIds(yield* shardsOf(ns, "ss"), "s0")).toEqual([`${ns}_keep__ConfigMap`])
              const stuck = yield* getObject({
                apiVersion: "apps/v1",
                kind: "Deployment",
                namespace: ns,
                name: "stuck",
              })
              if (fix.disableWait) expect(stuck).toBeDefined()
              else expect(stuck).toBeUndefined()
              expect(yield* getObject(cmKey(ns, "keep"))).toBeDefined()
              expect(yield* getObject(cmKey(ns, "y"))).toBeDefined()
            }),
          )
        }),
    )
  })
