import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Schedule } from "effect"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"
import { type AcceptanceEnv, scenarioLayer } from "../harness/Env.ts"
import {
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  statusOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { Recorder } from "../harness/Recorder.ts"

const START = "2026-01-01T00:00:00Z"

const job = (name: string): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name },
  spec: {
    backoffLimit: 0,
    template: {
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "run", image: "registry.invalid/m:1" }],
      },
    },
  },
})

const jobKey = (namespace: string, name: string): ObjectKey => ({
  apiVersion: "batch/v1",
  kind: "Job",
  namespace,
  name,
})

const condition = (type: string, reason: string, message = "") => ({
  type,
  status: "True",
  reason,
  message,
  lastProbeTime: START,
  lastTransitionTime: START,
})

/** What a user writes to wait for a Job to finish, now that kstatus counts a started Job ready. */
const completion = {
  apiVersion: "batch/v1",
  kind: "Job",
  current: "has(status.succeeded) && status.succeeded >= 1",
  inProgress: "has(status.active) && status.active > 0",
  failed:
    "has(status.conditions) && status.conditions.exists(c, c.type == 'Failed' && c.status == 'True')",
}

/** Writes the Job's status as the Job controller would (no Job controller runs in tests). */
const setJobStatus = (key: ObjectKey, status: Record<string, unknown>) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const live = yield* kube.get(key)
    yield* kube.updateStatus({ ...live, status })
  }).pipe(Effect.retry({ schedule: Schedule.recurs(5), while: (e) => e._tag === "KubeConflict" }))

const untilApplied = (key: ObjectKey) =>
  getObject(key).pipe(
    Effect.flatMap((o) => (o === undefined ? Effect.fail("not yet") : Effect.void)),
    Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds"))),
  )

const stageSetWith = (ns: string, exprs: ReadonlyArray<Record<string, unknown>>, timeout = "5m") =>
  Effect.gen(function* () {
    yield* createNamespace(ns)
    yield* setSource(ns, "src", { "job.yaml": yamlOf([job("migrate")]) })
    yield* setStageSet(ns, "ss", [
      { name: "migrate", source: "src", extra: { readyChecks: { timeout, exprs } } },
    ])
  })

/** readyChecks.exprs: CEL checks gate a stage on the state kstatus does not wait for. */
export const readyExprs = (env: AcceptanceEnv) =>
  describe(`readyChecks.exprs (CEL) [${env.name}]`, () => {
    it.live(
      "a started Job is ready by kstatus; a CEL check holds the stage until the Job completes",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("cel")
          yield* stageSetWith(ns, [completion])
          const run = yield* Effect.fork(reconcile(ns, "ss"))
          const key = jobKey(ns, "migrate")
          yield* untilApplied(key)
          yield* setJobStatus(key, { startTime: START, active: 1 })
          // kstatus alone would call the stage ready now; the CEL check keeps it verifying.
          yield* Effect.sleep(Duration.seconds(2))
          expect(Option.isNone(yield* Fiber.poll(run))).toBe(true)
          expect((yield* statusOf(ns, "ss"))?.stages).toMatchObject([
            { name: "migrate", phase: "Verifying" },
          ])
          yield* setJobStatus(key, {
            startTime: START,
            completionTime: START,
            succeeded: 1,
            conditions: [
              condition("SuccessCriteriaMet", "CompletionsReached"),
              condition("Complete", "CompletionsReached"),
            ],
          })
          expect((yield* Fiber.join(run)).outcome).toEqual({ _tag: "Ready" })
          expect((yield* statusOf(ns, "ss"))?.stages).toMatchObject([
            { name: "migrate", phase: "Ready" },
          ])
        }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode: "hybrid" }))),
    )

    it.live("a failed expression fails the stage at once, long before its timeout", () =>
      Effect.gen(function* () {
        const ns = uniqueName("cel")
        yield* stageSetWith(ns, [completion], "1h")
        const run = yield* Effect.fork(reconcile(ns, "ss"))
        const key = jobKey(ns, "migrate")
        yield* untilApplied(key)
        const why = "Job has reached the specified backoff limit"
        yield* setJobStatus(key, {
          startTime: START,
          failed: 1,
          conditions: [
            condition("FailureTarget", "BackoffLimitExceeded", why),
            condition("Failed", "BackoffLimitExceeded", why),
          ],
        })
        const report = yield* Fiber.join(run).pipe(Effect.timeout("60 seconds"))
        expect(report.outcome._tag).toBe("Failed")
        if (report.outcome._tag === "Failed") {
          expect(report.outcome.failure.reason).toBe("StageFailed")
          // kstatus sees the Failed condition first; either way the stage fails at once.
          expect(report.outcome.failure.message).toMatch(
            new RegExp(`^stage migrate: Job ${ns}/migrate failed: `),
          )
        }
      }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode: "hybrid" }))),
    )

    it.live("an expression's failed rule fails a Job kstatus still counts as running", () =>
      Effect.gen(function* () {
        const ns = uniqueName("cel")
        yield* stageSetWith(
          ns,
          [
            {
              apiVersion: "batch/v1",
              kind: "Job",
              failed: "has(status.failed) && status.failed > 0",
            },
          ],
          "1h",
        )
        const run = yield* Effect.fork(reconcile(ns, "ss"))
        const key = jobKey(ns, "migrate")
        yield* untilApplied(key)
        // One pod failed, the Job retries: kstatus says Current, the rule says Failed.
        yield* setJobStatus(key, { startTime: START, active: 1, failed: 1 })
        const report = yield* Fiber.join(run).pipe(Effect.timeout("60 seconds"))
        expect(report.outcome).toEqual({
          _tag: "Failed",
          failure: {
            reason: "StageFailed",
            message: `stage migrate: Job ${ns}/migrate failed: readyChecks.exprs[0].failed holds`,
            stalled: false,
          },
        })
      }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode: "hybrid" }))),
    )

    it.live(
      "an expression that does not compile is InvalidSpec naming the field, and nothing is applied",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("cel")
          yield* stageSetWith(ns, [{ ...completion, current: "status.succeeded >=" }])
          const recorder = yield* Recorder
          yield* recorder.clear
          const report = yield* reconcile(ns, "ss")
          expect(report.outcome._tag).toBe("Failed")
          if (report.outcome._tag === "Failed") {
            expect(report.outcome.failure.reason).toBe("InvalidSpec")
            expect(report.outcome.failure.message).toMatch(
              /^stage migrate: spec\.stages\[0\]\.readyChecks\.exprs\[0\]\.current: /,
            )
          }
          expect(yield* getObject(jobKey(ns, "migrate"))).toBeUndefined()
          // The StageSet gets its finalizer and status; nothing else is written.
          expect((yield* recorder.writes).filter((w) => w.key.kind !== "StageSet")).toEqual([])
        }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode: "hybrid" }))),
    )
  })
