import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { FIELD_MANAGER } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { type AcceptanceEnv, MODES, type ScenarioServices, scenarioLayer } from "../harness/Env.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"

/** Another tool's field manager, as `kubectl scale`/`kubectl label`/`kubectl patch` would be. */
const OTHER = "kubectl-patch"

/** S23: out-of-band edits of fields the source sets are healed by the next reconcile. */
export const driftHeal = (env: AcceptanceEnv) =>
  describe.each(MODES)(`S23 drift [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      body.pipe(Effect.provide(scenarioLayer(env.kube(), { mode })))

    it.live(
      "S23: a value and a label the source sets, changed by another manager with force, are restored by the next reconcile (default policy, source unchanged)",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s23")
            yield* createNamespace(ns)
            const desired = configMap("web", { replicas: "3" }, { labels: { tier: "frontend" } })
            yield* setSource(ns, "src", { "web.yaml": yamlOf([desired]) })
            yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }])
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

            // Another tool takes the fields over, as `kubectl scale` and `kubectl label
            // --overwrite` do: with force, so the API server gives it ownership.
            const kube = yield* KubeClient
            yield* kube.apply(
              {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "web", namespace: ns, labels: { tier: "backend" } },
                data: { replicas: "1" },
              },
              { fieldManager: OTHER, force: true },
            )
            const drifted = yield* getObject(cmKey(ns, "web"))
            expect(drifted?.data).toEqual({ replicas: "1" })

            // The periodic reconcile, with nothing changed in the source.
            expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
            const healed = yield* getObject(cmKey(ns, "web"))
            expect(healed?.data).toEqual({ replicas: "3" })
            expect(healed?.metadata.labels?.tier).toBe("frontend")
            // We own the fields again; the other manager no longer holds them.
            const managers = (healed?.metadata.managedFields ?? []).map((f) => f.manager)
            expect(managers).toContain(FIELD_MANAGER)
          }),
        ),
    )
  })
