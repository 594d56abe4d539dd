import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { AcceptanceEnv, ScenarioServices } from "../harness/Env.ts"
import { scenarioLayer } from "../harness/Env.ts"
import {
  applyAsUser,
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

/**
 * api.md `serviceAccountName`: every call on the StageSet's objects is made as that
 * ServiceAccount, so the API server's RBAC decides. Real RBAC only exists on a real API
 * server, so this scenario belongs to the live suite.
 */
export const impersonation = (env: AcceptanceEnv) =>
  describe(`serviceAccountName impersonation [${env.name}]`, () => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      Effect.provide(body, scenarioLayer(env.kube(), { mode: "hybrid" }))

    it.live("a stage applies only what its ServiceAccount may write", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("imp")
          yield* createNamespace(ns)
          yield* applyAsUser({
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "deployer", namespace: ns },
          })
          yield* setSource(ns, "src", { "x.yaml": yamlOf([configMap("made-by-deployer")]) })
          yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }], {
            serviceAccountName: "deployer",
          })

          const denied = yield* reconcile(ns, "ss")
          expect(denied.outcome).toMatchObject({
            _tag: "Failed",
            failure: { reason: "RBACDenied" },
          })
          expect(yield* getObject(cmKey(ns, "made-by-deployer"))).toBeUndefined()

          yield* applyAsUser({
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: "configmap-writer", namespace: ns },
            rules: [
              {
                apiGroups: [""],
                resources: ["configmaps"],
                verbs: ["get", "list", "watch", "create", "patch", "update", "delete"],
              },
            ],
          })
          yield* applyAsUser({
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "deployer-edit", namespace: ns },
            roleRef: {
              apiGroup: "rbac.authorization.k8s.io",
              kind: "Role",
              name: "configmap-writer",
            },
            subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: ns }],
          })
          // RBAC changes reach the authorizer's cache within moments.
          const allowed = yield* reconcile(ns, "ss").pipe(
            Effect.repeat({ until: (r) => r.outcome._tag === "Ready", times: 20 }),
          )
          expect(allowed.outcome).toEqual({ _tag: "Ready" })
          const made = yield* getObject(cmKey(ns, "made-by-deployer"))
          expect(
            made?.metadata.managedFields?.some((m) => m.manager === "stageset-controller"),
          ).toBe(true)
        }),
      ),
    )
  })
