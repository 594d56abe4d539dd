/**
 * Readiness as a StageSet sees it, against the real API server: the verify
 * step waits for `readyChecks.checks` objects it did not apply, and a terminal
 * failure ends the run with a reason instead of sitting out the timeout. As in
 * readiness.test.ts, the safety-net re-check is ten minutes, so every wait that
 * ends learnt of its status write through a watch.
 */
import { expect, layer } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Option } from "effect"
import { AppliedCacheMemory } from "../../layers/AppliedCache.memory.ts"
import { ArtifactFetcherInMemory } from "../../layers/ArtifactFetcher.inMemory.ts"
import { InventoryStoreLive } from "../../layers/InventoryStore.live.ts"
import { ReadinessKube } from "../../layers/Readiness.kube.ts"
import { RemoteClustersNone } from "../../layers/RemoteClusters.inMemory.ts"
import { ActingClientOwn, StageIdentityImpersonating } from "../../layers/StageIdentity.ts"
import { API_VERSION } from "../../src/inventory/Labels.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import { defaultReconcileConfig, ReconcileConfig } from "../../src/programs/ReconcileConfig.ts"
import { reconcileStageSet } from "../../src/programs/reconcileStageSet.ts"
import { removeFinalizer } from "../../src/programs/stageSet/writeStageSet.ts"
import {
  cmKey,
  configMap,
  entryIds,
  getObject,
  setSource,
  shardsOf,
  statusOf,
  yamlOf,
} from "../acceptance/harness/fixtures.ts"
import { installCrds } from "../acceptance/harness/installCrds.ts"
import { KustomizeForTests } from "./fixtures/kustomize.ts"
import {
  condition,
  forkWatching,
  installWidgets,
  job,
  keyOf,
  probedKube,
  resilientLiveKube,
  setStatus,
  uniqueGroup,
} from "./fixtures/readiness.ts"
import { testNamespace } from "./support.ts"

const Services = Layer.mergeAll(
  InventoryStoreLive,
  AppliedCacheMemory,
  ReadinessKube({ recheckEvery: "10 minutes" }),
  ArtifactFetcherInMemory(),
  KustomizeForTests(),
  Layer.succeed(ReconcileConfig, {
    ...defaultReconcileConfig,
    defaultTimeout: Duration.hours(1),
    deleteTimeout: Duration.seconds(30),
  }),
  Layer.effectDiscard(installCrds),
).pipe(
  (services) =>
    Layer.provideMerge(Layer.merge(StageIdentityImpersonating, RemoteClustersNone), services),
  Layer.provideMerge(ActingClientOwn),
  Layer.provideMerge(probedKube(resilientLiveKube)),
)

/** A StageSet of one stage reading ConfigMap `manifests`; its finalizer is dropped at scope end. */
const stageSet = (namespace: string, name: string, stage: Record<string, unknown>) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    yield* kube.apply(
      {
        apiVersion: API_VERSION,
        kind: "StageSet",
        metadata: { name, namespace },
        spec: {
          // Far beyond the test's own timeout: a run that ends did not wait it out.
          timeout: "1h",
          stages: [{ sourceRef: { kind: "ConfigMap", name: "manifests" }, ...stage }],
        },
      },
      { fieldManager: "readiness-tests", force: true },
    )
    // Runs before the namespace goes: nothing else would drop the finalizer of a deleted StageSet.
    yield* Effect.addFinalizer(() => Effect.ignore(removeFinalizer({ namespace, name })))
  })

layer(Services, { excludeTestServices: true, timeout: "120 seconds" })(
  "StageSet readiness against a real API server",
  (it) => {
    it.scoped("readyChecks.checks holds the stage until an extra object is ready", () =>
      Effect.gen(function* () {
        const kube = yield* KubeClient
        const ns = yield* testNamespace("checks")
        const widgets = yield* installWidgets(uniqueGroup())
        const gate = keyOf(
          yield* kube.create({ ...widgets, metadata: { name: "gate", namespace: ns }, spec: {} }),
        )
        yield* setStatus(gate, {
          observedGeneration: 1,
          conditions: [condition("Ready", "False", "Provisioning", "waiting for a database")],
        })
        yield* setSource(ns, "manifests", { "app.yaml": yamlOf([configMap("app")]) })
        yield* stageSet(ns, "gated", {
          name: "app",
          readyChecks: { checks: [{ ...widgets, name: "gate", namespace: ns }] },
        })

        const run = yield* forkWatching(
          "Widget",
          ns,
          reconcileStageSet({ namespace: ns, name: "gated" }),
        )
        // Applied, then held in Verifying by the gate alone (the ConfigMap is ready at once).
        expect(yield* getObject(cmKey(ns, "app"))).toBeDefined()
        expect((yield* statusOf(ns, "gated"))?.stages).toMatchObject([
          { name: "app", phase: "Verifying" },
        ])
        expect(Option.isNone(yield* Fiber.poll(run))).toBe(true)

        yield* setStatus(gate, {
          observedGeneration: 1,
          conditions: [{ ...condition("Ready", "True", "Succeeded"), observedGeneration: 1 }],
        })
        const report = yield* Fiber.join(run)
        expect(report.outcome).toEqual({ _tag: "Ready" })
        const status = yield* statusOf(ns, "gated")
        expect(status?.conditions).toMatchObject([{ type: "Ready", status: "True" }])
        expect(status?.stages).toMatchObject([{ name: "app", phase: "Ready", entriesCount: 1 }])
        // Waited for, not owned: the check is no member of the inventory.
        expect(entryIds(yield* shardsOf(ns, "gated"))).toEqual([`${ns}_app__ConfigMap`])
      }),
    )

    it.scoped("a failed Job fails the StageSet at once with a terminal reason", () =>
      Effect.gen(function* () {
        const ns = yield* testNamespace("jobs")
        const migrate = job(ns, "migrate")
        yield* setSource(ns, "manifests", { "job.yaml": yamlOf([migrate]) })
        yield* stageSet(ns, "batch", { name: "migrate" })

        const run = yield* forkWatching(
          "Job",
          ns,
          reconcileStageSet({ namespace: ns, name: "batch" }),
        )
        const why = "Job has reached the specified backoff limit"
        yield* setStatus(keyOf(migrate), {
          startTime: "2026-01-01T00:00:00Z",
          failed: 1,
          conditions: [
            condition("FailureTarget", "True", "BackoffLimitExceeded", why),
            condition("Failed", "True", "BackoffLimitExceeded", why),
          ],
        })
        const report = yield* Fiber.join(run)
        const message = `stage migrate: Job ${ns}/migrate failed: job failed: BackoffLimitExceeded: ${why}`
        expect(report.outcome).toEqual({
          _tag: "Failed",
          failure: { reason: "StageFailed", message, stalled: false },
        })
        const status = yield* statusOf(ns, "batch")
        expect(status?.conditions).toMatchObject([
          { type: "Ready", status: "False", reason: "StageFailed", message },
        ])
        expect(status?.stages).toMatchObject([{ name: "migrate", phase: "Failed", message }])
      }),
    )
  },
)
