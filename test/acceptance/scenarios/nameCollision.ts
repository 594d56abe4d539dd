import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type AcceptanceEnv, MODES, type ScenarioServices, scenarioLayer } from "../harness/Env.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  statusOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"

/**
 * semantics.md section 3: `<stageset>-<stage>-<k>` is not injective. StageSet `a-b` with
 * stage `c` and StageSet `a` with stage `b-c` both want shard `a-b-c-0`; the second one is
 * refused with InvalidSpec naming the first, and nothing of either is applied or pruned.
 */
export const nameCollision = (env: AcceptanceEnv) =>
  describe.each(MODES)(`inventory name collision [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      Effect.provide(body, scenarioLayer(env.kube(), { mode }))

    it.live("the second StageSet is refused and neither loses anything", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("collide")
          yield* createNamespace(ns)
          yield* setSource(ns, "first-src", { "x.yaml": yamlOf([configMap("first-object")]) })
          yield* setSource(ns, "second-src", { "x.yaml": yamlOf([configMap("second-object")]) })
          yield* setStageSet(ns, "a-b", [{ name: "c", source: "first-src" }])
          expect((yield* reconcile(ns, "a-b")).outcome).toEqual({ _tag: "Ready" })

          yield* setStageSet(ns, "a", [{ name: "b-c", source: "second-src" }])
          const second = yield* reconcile(ns, "a")
          expect(second.outcome).toMatchObject({
            _tag: "Failed",
            failure: { reason: "InvalidSpec", message: expect.stringContaining("StageSet a-b") },
          })
          expect(yield* getObject(cmKey(ns, "second-object"))).toBeUndefined()
          const ready = (yield* statusOf(ns, "a"))?.conditions?.find((c) => c.type === "Ready")
          expect(ready).toMatchObject({ status: "False", reason: "InvalidSpec" })

          // The first StageSet keeps its shard and its object, and still reconciles cleanly.
          expect(yield* getObject(cmKey(ns, "first-object"))).toBeDefined()
          expect((yield* shardsOf(ns, "a-b")).map((s) => s.metadata.name)).toEqual(["a-b-c-0"])
          expect((yield* reconcile(ns, "a-b")).outcome).toEqual({ _tag: "Ready" })
          expect(yield* getObject(cmKey(ns, "first-object"))).toBeDefined()
        }),
      ),
    )
  })
