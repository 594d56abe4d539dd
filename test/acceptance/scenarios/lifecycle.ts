import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { stageSetKey } from "../../../src/programs/stageSet/StageSetKey.ts"
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

/** A readyChecks entry for an object nobody creates: the stage can only time out. */
const neverReady = (namespace: string) => ({
  checks: [{ apiVersion: "v1", kind: "ConfigMap", name: "never-created", namespace }],
})

/** Suspend, timeouts through the production path, Stalled, and a teardown that cannot finish. */
export const lifecycle = (env: AcceptanceEnv) =>
  describe.each(MODES)(`lifecycle [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      body.pipe(Effect.provide(scenarioLayer(env.kube(), { mode })))

    it.live("suspend: Ready=False/Suspended with the inventory mode, nothing applied", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("susp")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("a")]) })
          yield* setStageSet(ns, "ss", [{ name: "s", source: "src" }], { suspend: true })
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Suspended" })
          expect(yield* getObject(cmKey(ns, "a"))).toBeUndefined()
          expect(yield* shardsOf(ns, "ss")).toEqual([])
          const status = yield* statusOf(ns, "ss")
          expect(status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
            status: "False",
            reason: "Suspended",
          })
          expect(status?.inventoryMode).toBe(mode)
        }),
      ),
    )

    it.live.each([
      { name: "stages[].timeout", stage: { timeout: "1s" }, spec: {}, reason: "VerifyTimeout" },
      { name: "spec.timeout", stage: {}, spec: { timeout: "1s" }, reason: "VerifyTimeout" },
      // onTimeout (stage, else spec, else Hold): Rollback counts the timeout as a failure of
      // the stage, as in the Go implementation (nothing to roll back: rollbackOnFailure is
      // refused); Hold keeps it a stage still coming up.
      {
        name: "spec.onTimeout Rollback",
        stage: {},
        spec: { timeout: "1s", onTimeout: "Rollback" },
        reason: "StageFailed",
      },
      {
        name: "stages[].onTimeout Hold over spec.onTimeout Rollback",
        stage: { onTimeout: "Hold" },
        spec: { timeout: "1s", onTimeout: "Rollback" },
        reason: "VerifyTimeout",
      },
      {
        name: "stages[].onTimeout Rollback",
        stage: { timeout: "1s", onTimeout: "Rollback" },
        spec: {},
        reason: "StageFailed",
      },
    ])("$name bounds the verify wait of the production path ($reason)", (where) =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("tmo")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("a")]) })
          yield* setStageSet(
            ns,
            "ss",
            [{ name: "s", source: "src", extra: { ...where.stage, readyChecks: neverReady(ns) } }],
            where.spec,
          )
          const report = yield* reconcile(ns, "ss")
          expect(report.outcome._tag).toBe("Failed")
          if (report.outcome._tag === "Failed") {
            expect(report.outcome.failure.reason).toBe(where.reason)
            expect(report.outcome.failure.message).toContain("timed out after 1s")
          }
          const status = yield* statusOf(ns, "ss")
          // Retrying can help (the object may appear): not Stalled.
          expect(status?.conditions?.map((c) => c.type)).toEqual(["Ready"])
          expect(status?.inventoryMode).toBe(mode)
        }),
      ),
    )

    it.live("an invalid StageSet is Stalled as well as not Ready, and applies nothing", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("stall")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("a"), configMap("a")]) })
          yield* setStageSet(ns, "ss", [{ name: "s", source: "src" }])
          expect((yield* reconcile(ns, "ss")).outcome._tag).toBe("Failed")
          const status = yield* statusOf(ns, "ss")
          expect(status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({
            status: "True",
            reason: "BuildFailed",
          })
          expect(yield* getObject(cmKey(ns, "a"))).toBeUndefined()
        }),
      ),
    )

    it.live(
      "TeardownFailed: an object whose finalizer never clears holds the teardown for the stage's timeout, with a Warning Event, and it finishes once the finalizer is gone",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("tdf")
            yield* createNamespace(ns)
            const held = configMap("held", { k: "v" }, { finalizers: ["example.com/hold"] })
            yield* setSource(ns, "src", { "a.yaml": yamlOf([held]) })
            yield* setStageSet(ns, "ss", [{ name: "s", source: "src" }], { timeout: "1s" })
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

            const kube = yield* KubeClient
            yield* kube.delete(stageSetKey({ namespace: ns, name: "ss" }))
            const report = yield* reconcile(ns, "ss")
            expect(report.outcome._tag).toBe("Failed")
            if (report.outcome._tag === "Failed")
              expect(report.outcome.failure.reason).toBe("TeardownFailed")
            expect(report.events).toContainEqual(
              expect.objectContaining({
                type: "Warning",
                reason: "TeardownFailed",
                message: expect.stringContaining(`ConfigMap ${ns}/held`),
              }),
            )
            const status = yield* statusOf(ns, "ss")
            expect(status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
              status: "False",
              reason: "TeardownFailed",
            })
            expect(status?.inventoryMode).toBe(mode)
            // The record and the StageSet stay until the object is gone.
            expect((yield* shardsOf(ns, "ss")).length).toBe(1)

            const live = yield* getObject(cmKey(ns, "held"))
            yield* kube.update({ ...live!, metadata: { ...live!.metadata, finalizers: [] } })
            let outcome = (yield* reconcile(ns, "ss")).outcome._tag
            for (let i = 0; i < 5 && outcome !== "Deleted"; i++)
              outcome = (yield* reconcile(ns, "ss")).outcome._tag
            expect(outcome).toBe("Deleted")
            expect(yield* getObject(stageSetKey({ namespace: ns, name: "ss" }))).toBeUndefined()
            expect(yield* shardsOf(ns, "ss")).toEqual([])
          }),
        ),
    )
  })
