import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { stageApplySetId } from "../../../src/inventory/ApplySetId.ts"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import {
  APPLYSET_CONTAINS_GROUP_KINDS,
  APPLYSET_ID,
  APPLYSET_PART_OF,
  APPLYSET_TOOLING,
  INVENTORY_MODE,
} from "../../../src/inventory/Labels.ts"
import { controller, writesTo } from "../harness/controller.ts"
import { type AcceptanceEnv, sharedCluster } from "../harness/Env.ts"
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

/**
 * Every directed switch between the three modes, once each: the brief's cycle
 * entries -> hybrid -> applyset -> entries, then back the other way round.
 */
const STEPS: ReadonlyArray<{ readonly mode: InventoryMode; readonly remove?: string }> = [
  { mode: "entries" },
  { mode: "hybrid", remove: "a1" },
  { mode: "applyset", remove: "b1" },
  { mode: "entries", remove: "a2" },
  { mode: "applyset", remove: "b2" },
  { mode: "hybrid", remove: "a3" },
  { mode: "entries", remove: "b3" },
]

const STAGES = {
  a: ["a1", "a2", "a3", "a4"],
  b: ["b1", "b2", "b3", "b4"],
} as const

/** S9: switching `--inventory-mode` between restarts, dropping an object at each switch. */
export const modeSwitch = (env: AcceptanceEnv) =>
  describe(`S9 mode switch [${env.name}]`, () => {
    it.scopedLive(
      "S9: entries -> hybrid -> applyset -> entries -> applyset -> hybrid -> entries",
      () =>
        Effect.gen(function* () {
          const cluster = yield* sharedCluster(env)
          const ns = uniqueName("s9")
          const removed = new Set<string>()
          for (const [i, step] of STEPS.entries()) {
            if (step.remove !== undefined) removed.add(step.remove)
            const at = `step ${i} (${step.mode}, removing ${step.remove ?? "nothing"})`
            // Each step is the controller restarted with the new flag, over the same cluster.
            yield* controller(cluster, { mode: step.mode })(
              Effect.gen(function* () {
                const render = (stage: keyof typeof STAGES) =>
                  STAGES[stage].filter((n) => !removed.has(n))
                if (i === 0) yield* createNamespace(ns)
                for (const stage of ["a", "b"] as const)
                  yield* setSource(ns, `src-${stage}`, {
                    "objects.yaml": yamlOf(render(stage).map((n) => configMap(n))),
                  })
                if (i === 0)
                  yield* setStageSet(ns, "ss", [
                    { name: "a", source: "src-a" },
                    { name: "b", source: "src-b" },
                  ])
                expect((yield* reconcile(ns, "ss")).outcome, at).toEqual({ _tag: "Ready" })

                if (step.remove !== undefined) {
                  expect(yield* getObject(cmKey(ns, step.remove)), at).toBeUndefined()
                  const writes = yield* (yield* Recorder).writes
                  const deletes = writesTo(writes, cmKey(ns, step.remove)).filter(
                    (w) => w.verb === "delete",
                  )
                  expect(deletes.length, at).toBe(1)
                }

                const shards = yield* shardsOf(ns, "ss")
                for (const stage of ["a", "b"] as const) {
                  const id = stageApplySetId(ns, "ss", stage)
                  for (const name of render(stage)) {
                    const live = yield* getObject(cmKey(ns, name))
                    expect(live, `${at}: ${name}`).toBeDefined()
                    expect(live?.metadata.labels?.[APPLYSET_PART_OF], `${at}: ${name}`).toBe(
                      step.mode === "entries" ? undefined : id,
                    )
                  }
                  const own = shards.filter(
                    (s) => s.metadata.labels?.["stages.metio.wtf/stage"] === stage,
                  )
                  expect(
                    own.map((s) => s.metadata.name),
                    at,
                  ).toEqual([`ss-${stage}-0`])
                  const shard0 = own[0]!
                  // Every mode keeps the entries; shard 0 names the mode it settled to.
                  expect(entryIds(own), at).toEqual(
                    render(stage).map((n) => `${ns}_${n}__ConfigMap`),
                  )
                  expect(shard0.metadata.annotations?.[INVENTORY_MODE], at).toBe(step.mode)
                  if (step.mode === "entries") {
                    expect(shard0.metadata.labels?.[APPLYSET_ID], at).toBeUndefined()
                    expect(shard0.metadata.annotations?.[APPLYSET_TOOLING], at).toBeUndefined()
                    expect(
                      shard0.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS],
                      at,
                    ).toBeUndefined()
                  } else {
                    expect(shard0.metadata.labels?.[APPLYSET_ID], at).toBe(id)
                    expect(shard0.metadata.annotations?.[APPLYSET_TOOLING], at).toBeDefined()
                    expect(shard0.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS], at).toBe(
                      "ConfigMap",
                    )
                  }
                }
                for (const name of removed)
                  expect(yield* getObject(cmKey(ns, name)), `${at}: ${name}`).toBeUndefined()

                // During the run every status write names the mode the records are in: the
                // old one until settled, with the stages behind in the condition message.
                const running = (yield* (yield* Recorder).writes).flatMap((w) =>
                  w.verb === "updateStatus" && w.key.name === "ss" ? [w.status] : [],
                ) as ReadonlyArray<{
                  inventoryMode?: string
                  conditions?: ReadonlyArray<{ type: string; message: string }>
                }>
                expect(running.length, at).toBeGreaterThan(1)
                const before = i === 0 ? step.mode : STEPS[i - 1]!.mode
                for (const written of running.slice(0, -1)) {
                  expect(written.inventoryMode, at).toBe(before)
                  const reconciling = written.conditions?.find((c) => c.type === "Reconciling")
                  if (before !== step.mode)
                    expect(reconciling?.message, at).toContain(
                      `switching from ${before} to ${step.mode}; stages not rewritten yet: a, b`,
                    )
                }
                const status = yield* statusOf(ns, "ss")
                expect(status?.inventoryMode, at).toBe(step.mode)
                expect(
                  status?.conditions?.find((c) => c.type === "Ready"),
                  at,
                ).toMatchObject({ status: "True" })
              }),
            )
          }
        }),
    )
  })
