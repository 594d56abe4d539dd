import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import { expectConverged, forgetStageSet } from "../harness/crashCheck.ts"
import { type AcceptanceEnv, MODES, type ScenarioServices, scenarioLayer } from "../harness/Env.ts"
import { FaultInjector, type FaultSpec } from "../harness/faultInjector.ts"
import {
  configMap,
  createNamespace,
  reconcile,
  setSource,
  setStageSet,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { orphans, wrongfulDeletes } from "../harness/invariants.ts"
import { Recorder } from "../harness/Recorder.ts"

const maps = (names: ReadonlyArray<string>) => yamlOf(names.map((n) => configMap(n)))

const BEFORE = { one: ["a", "b", "c", "d", "e"], two: ["x", "y"] }
const AFTER = { one: ["a", "b", "c", "f", "g"], two: ["x", "z"] }

/**
 * Faults during apply, prune, inventory writes and the status write: each kind at least
 * once where it hurts. Every one is retried by the client (at most 8 attempts per call,
 * honouring Retry-After), so one reconcile converges.
 */
const faultsFor = (namespace: string, mode: InventoryMode): ReadonlyArray<FaultSpec> => [
  { times: 1, verb: "apply", kind: "ConfigMap", namespace, fault: "429", retryAfterSeconds: 1 },
  { times: 2, verb: "apply", kind: "ConfigMap", namespace, fault: "500" },
  { times: 1, verb: "apply", kind: "ConfigMap", namespace, fault: "reset" },
  { times: 2, verb: "apply", kind: "ConfigMap", namespace, fault: "lost" },
  // In applyset mode this change writes no shard at all (the group-kinds stay the same).
  ...(mode === "applyset"
    ? []
    : [
        { times: 1, verb: "apply", kind: "StageInventory", namespace, fault: "reset" } as const,
        { times: 1, verb: "apply", kind: "StageInventory", namespace, fault: "lost" } as const,
      ]),
  { times: 1, verb: "list", kind: "StageInventory", namespace, fault: "500" },
  { times: 1, verb: "get", kind: "ConfigMap", namespace, fault: "reset" },
  { times: 1, verb: "delete", kind: "ConfigMap", namespace, fault: "429", retryAfterSeconds: 1 },
  { times: 1, verb: "delete", kind: "ConfigMap", namespace, fault: "500" },
  { times: 1, verb: "delete", kind: "ConfigMap", namespace, fault: "reset" },
  { times: 2, verb: "delete", kind: "ConfigMap", namespace, fault: "lost" },
  { times: 1, verb: "updateStatus", kind: "StageSet", namespace, fault: "lost" },
]

/** S17: API faults (429 with Retry-After, 500s, dropped connections, lost responses) are retried. */
export const apiFaults = (env: AcceptanceEnv) =>
  describe.each(MODES)(`API faults [${env.name}] mode=%s`, (mode) => {
    const faults = env.faults
    if (faults === undefined) throw new Error(`env ${env.name} offers no fault injection (S17)`)
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices | FaultInjector>) =>
      Effect.scoped(
        Effect.gen(function* () {
          const cluster = yield* Layer.memoize(faults.kube())
          const injector = Layer.effect(FaultInjector, FaultInjector).pipe(Layer.provide(cluster))
          return yield* Effect.provide(
            body,
            Layer.merge(scenarioLayer(cluster, { mode }), injector),
          )
        }),
      )

    it.live(
      "S17: faults during apply and prune are retried; the reconcile converges and nothing is lost",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s17")
            yield* createNamespace(ns)
            yield* setSource(ns, "src-one", { "one.yaml": maps(BEFORE.one) })
            yield* setSource(ns, "src-two", { "two.yaml": maps(BEFORE.two) })
            yield* setStageSet(ns, "ss", [
              { name: "one", source: "src-one" },
              { name: "two", source: "src-two" },
            ])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            yield* setSource(ns, "src-one", { "one.yaml": maps(AFTER.one) })
            yield* setSource(ns, "src-two", { "two.yaml": maps(AFTER.two) })

            const injector = yield* FaultInjector
            const recorder = yield* Recorder
            yield* recorder.clear
            const before = yield* injector.fired
            const scripted = faultsFor(ns, mode)
            for (const spec of scripted) yield* injector.inject(spec)

            const report = yield* reconcile(ns, "ss")
            expect(report.outcome).toEqual({ _tag: "Ready" })
            // Every scripted fault happened: the run really went through them.
            expect((yield* injector.fired) - before).toBe(scripted.reduce((n, s) => n + s.times, 0))

            yield* expectConverged({
              namespace: ns,
              stageSet: "ss",
              mode,
              shardCap: 5000,
              stages: AFTER,
              survivors: [],
              stageSetExists: true,
            })
            const render = new Set(
              Object.values(AFTER).flatMap((n) => n.map((x) => `${ns}_${x}__ConfigMap`)),
            )
            expect(
              yield* orphans({
                namespace: ns,
                kinds: [{ apiVersion: "v1", kind: "ConfigMap" }],
                render,
              }),
            ).toEqual([])
            expect(wrongfulDeletes(yield* recorder.writes, render)).toEqual([])

            // Nothing left to do: a second run changes nothing.
            yield* recorder.clear
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            expect((yield* recorder.writes).filter((w) => w.verb !== "apply")).toEqual([])
            yield* forgetStageSet(ns, "ss")
          }),
        ),
      60_000,
    )
  })
