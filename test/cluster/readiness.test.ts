/**
 * The Readiness service (layers/Readiness.kube.ts, kstatus rules of
 * src/readiness) against the real API server. Nothing here runs workload
 * controllers, so each test writes status through the status subresource as
 * the controller or kubelet would, and the API server's own controllers set
 * what they set for real (a CRD's Established and NamesAccepted).
 *
 * The wait must be event-driven: the safety-net re-check is set to ten
 * minutes, every status write that should end a wait happens only after the
 * wait has opened its watch, and the waits allow a generous minute. A wait that
 * ends anyway has learnt of the write from its watch.
 */
import { expect, layer } from "@effect/vitest"
import { Effect, Fiber, Layer, Option } from "effect"
import { ReadinessKube } from "../../layers/Readiness.kube.ts"
import { ActingClientOwn } from "../../layers/StageIdentity.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { ObjectKey } from "../../src/kube/KubeObject.ts"
import { Readiness } from "../../src/programs/Readiness.ts"
import {
  condition,
  createCrd,
  daemonSet,
  deployment,
  editSpec,
  forkWatching,
  installWidgets,
  job,
  keyOf,
  persistentVolumeClaim,
  probedKube,
  resilientLiveKube,
  setStatus,
  statefulSet,
  stillPending,
  uniqueGroup,
  widgetCrd,
} from "./fixtures/readiness.ts"
import { testNamespace } from "./support.ts"

const Services = ReadinessKube({ recheckEvery: "10 minutes" }).pipe(
  Layer.provideMerge(ActingClientOwn),
  Layer.provideMerge(probedKube(resilientLiveKube)),
)

/** Forks a one-minute wait for `key` that is known to be watching when this returns. */
const watchUntilReady = (key: ObjectKey) =>
  Effect.flatMap(Readiness, (readiness) =>
    forkWatching(key.kind, key.namespace, readiness.waitReady([key], "60 seconds")),
  )

/** The object's single entry of a finished wait. */
const joined = (fiber: Fiber.RuntimeFiber<{ objects: ReadonlyArray<unknown> }, unknown>) =>
  Effect.map(Fiber.join(fiber), (result) => result.objects)

const create = (object: Parameters<typeof keyOf>[0]) =>
  Effect.flatMap(KubeClient, (kube) => kube.create(object))

const START = "2026-01-01T00:00:00Z"

layer(Services, { excludeTestServices: true, timeout: "120 seconds" })(
  "Readiness against a real API server",
  (it) => {
    it.scoped("a Deployment is ready once its rollout caught up with its generation", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("ready")
        const key = keyOf(yield* create(deployment(ns, "web", 2)))
        expect(yield* stillPending(key)).toBe("waiting for the Deployment controller to observe it")

        const wait = yield* watchUntilReady(key)
        const rolling = { observedGeneration: 1, replicas: 2, updatedReplicas: 2 }
        yield* setStatus(key, { ...rolling, readyReplicas: 1, availableReplicas: 1 })
        expect(yield* stillPending(key)).toBe("1/2 replicas ready")
        yield* setStatus(key, { ...rolling, readyReplicas: 2, availableReplicas: 1 })
        expect(yield* stillPending(key)).toBe("1/2 replicas available")
        expect(Option.isNone(yield* Fiber.poll(wait))).toBe(true)
        yield* setStatus(key, { ...rolling, readyReplicas: 2, availableReplicas: 2 })
        expect(yield* joined(wait)).toEqual([
          { key, status: "Current", message: "2/2 replicas available" },
        ])

        // A new generation: the old counters describe the old spec.
        yield* editSpec(key, (spec) => ({ ...spec, replicas: 3 }))
        expect(yield* stillPending(key)).toBe("generation 2 not yet observed (at 1)")
        const next = yield* watchUntilReady(key)
        yield* setStatus(key, { observedGeneration: 2, replicas: 3, updatedReplicas: 2 })
        expect(yield* stillPending(key)).toBe("2/3 replicas updated")
        const done = { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 }
        yield* setStatus(key, { observedGeneration: 2, ...done })
        expect(yield* joined(next)).toMatchObject([{ status: "Current" }])
      }),
    )

    it.scoped("a StatefulSet waits for its ready replicas and its update revision", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("ready")
        const key = keyOf(yield* create(statefulSet(ns, "db", 2)))
        const wait = yield* watchUntilReady(key)
        const counts = { observedGeneration: 1, replicas: 2, currentReplicas: 2 }
        yield* setStatus(key, { ...counts, readyReplicas: 1, availableReplicas: 1 })
        expect(yield* stillPending(key)).toBe("1/2 replicas ready")
        const ready = { ...counts, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 }
        yield* setStatus(key, { ...ready, currentRevision: "db-1", updateRevision: "db-2" })
        expect(yield* stillPending(key)).toBe("waiting for revision db-2 to replace db-1")
        yield* setStatus(key, { ...ready, currentRevision: "db-2", updateRevision: "db-2" })
        expect(yield* joined(wait)).toEqual([
          { key, status: "Current", message: "2/2 replicas ready" },
        ])
      }),
    )

    it.scoped("a DaemonSet waits until every scheduled pod is updated and available", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("ready")
        const key = keyOf(yield* create(daemonSet(ns, "agent")))
        const wait = yield* watchUntilReady(key)
        const scheduled = {
          observedGeneration: 1,
          desiredNumberScheduled: 3,
          currentNumberScheduled: 3,
          numberMisscheduled: 0,
        }
        yield* setStatus(key, { ...scheduled, numberReady: 3, updatedNumberScheduled: 2 })
        expect(yield* stillPending(key)).toBe("2/3 pods updated")
        yield* setStatus(key, { ...scheduled, numberReady: 3, updatedNumberScheduled: 3 })
        expect(yield* stillPending(key)).toBe("0/3 pods available")
        yield* setStatus(key, {
          ...scheduled,
          numberReady: 3,
          updatedNumberScheduled: 3,
          numberAvailable: 3,
        })
        expect(yield* joined(wait)).toEqual([
          { key, status: "Current", message: "3/3 pods available" },
        ])
      }),
    )

    it.scoped("a Job is ready once started, as kstatus counts it", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("ready")
        const key = keyOf(yield* create(job(ns, "migrate")))
        const wait = yield* watchUntilReady(key)
        expect(yield* stillPending(key)).toBe("job not started")
        yield* setStatus(key, { startTime: START, active: 1 })
        // The API server defaults spec.completions to 1.
        expect(yield* joined(wait)).toEqual([
          { key, status: "Current", message: "job started: 0/1 succeeded, 1 active, 0 failed" },
        ])
      }),
    )

    it.scoped("a failed Job ends the wait at once, long before its timeout", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("ready")
        const key = keyOf(yield* create(job(ns, "migrate")))
        // Far beyond the test's own timeout: only a fast failure lets the test pass.
        const wait = yield* Effect.flatMap(Readiness, (readiness) =>
          forkWatching("Job", ns, readiness.waitReady([key], "1 hour")),
        )
        const why = "Job has reached the specified backoff limit"
        yield* setStatus(key, {
          startTime: START,
          failed: 1,
          conditions: [
            condition("FailureTarget", "True", "BackoffLimitExceeded", why),
            condition("Failed", "True", "BackoffLimitExceeded", why),
          ],
        })
        const error = yield* Effect.flip(Fiber.join(wait))
        expect(error._tag).toBe("VerifyFailed")
        expect(error.message).toBe(
          `Job ${ns}/migrate failed: job failed: BackoffLimitExceeded: ${why}`,
        )
      }),
    )

    it.scoped("a PersistentVolumeClaim is ready when Bound", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("ready")
        const key = keyOf(yield* create(persistentVolumeClaim(ns, "data")))
        // The API server itself starts every claim out as Pending.
        expect(yield* stillPending(key)).toBe("claim Pending, not bound")
        const wait = yield* watchUntilReady(key)
        yield* setStatus(key, {
          phase: "Bound",
          accessModes: ["ReadWriteOnce"],
          capacity: { storage: "1Gi" },
        })
        expect(yield* joined(wait)).toEqual([{ key, status: "Current", message: "claim bound" }])
      }),
    )

    it.scoped("a CRD is ready once the API server established it; a name clash fails", () =>
      Effect.gen(function* () {
        const readiness = yield* Readiness
        const group = uniqueGroup()
        const widgets = widgetCrd(group)
        yield* createCrd(widgets)
        // Nobody but the API server writes a CRD's status.
        expect((yield* readiness.waitReady([keyOf(widgets)], "60 seconds")).objects).toEqual([
          { key: keyOf(widgets), status: "Current", message: "established" },
        ])
        // Same group, same kind, other plural: the naming controller refuses the names.
        const clash = widgetCrd(group, "Widget", "gizmos")
        yield* createCrd(clash)
        const error = yield* Effect.flip(readiness.waitReady([keyOf(clash)], "1 hour"))
        expect(error._tag).toBe("VerifyFailed")
        expect(error.message).toMatch(
          new RegExp(`^CustomResourceDefinition gizmos\\.${group} failed: names not accepted: `),
        )
      }),
    )

    it.scoped("a custom resource waits for Ready=True for its current generation", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("ready")
        const widgets = yield* installWidgets(uniqueGroup())
        const key = keyOf(
          yield* create({ ...widgets, metadata: { name: "w", namespace: ns }, spec: { size: 1 } }),
        )
        const progressing = condition("Ready", "False", "Progressing", "scaling up")
        yield* setStatus(key, { observedGeneration: 1, conditions: [progressing] })
        expect(yield* stillPending(key)).toBe("Ready=False: Progressing: scaling up")
        const wait = yield* watchUntilReady(key)
        const ready = { ...condition("Ready", "True", "Succeeded"), observedGeneration: 1 }
        yield* setStatus(key, { observedGeneration: 1, conditions: [ready] })
        expect(yield* joined(wait)).toEqual([
          { key, status: "Current", message: "Ready: Succeeded" },
        ])

        // The spec moves on; a status (or a condition) about generation 1 no longer counts.
        yield* editSpec(key, () => ({ size: 2 }))
        expect(yield* stillPending(key)).toBe("generation 2 not yet observed (at 1)")
        yield* setStatus(key, { conditions: [ready] })
        expect(yield* stillPending(key)).toBe("Ready condition not yet updated for generation 2")
        const next = yield* watchUntilReady(key)
        yield* setStatus(key, {
          observedGeneration: 2,
          conditions: [{ ...ready, observedGeneration: 2 }],
        })
        expect(yield* joined(next)).toMatchObject([{ status: "Current" }])
      }),
    )
  },
)
