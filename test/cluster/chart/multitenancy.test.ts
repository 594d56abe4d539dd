import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { beforeAll } from "vitest"
import { mayListAndWatch } from "../../../src/controller/mayListAndWatch.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { FLUX_SOURCE_API_VERSION } from "../../../src/programs/resolveSource.ts"
import { installFluxCrds } from "../fixtures/fluxCrds.ts"
import { LiveKubeClient, testNamespace } from "../support.ts"
import { type Attributes, accessMismatches, installObjects, relocate } from "./installChart.ts"
import { helmBinary, renderChart } from "./observability.ts"

let helm = ""
beforeAll(() => {
  helm = helmBinary()
}, 900_000)

const stages = "stages.metio.wtf"
const flux = "source.toolkit.fluxcd.io"

layer(LiveKubeClient, { excludeTestServices: true })(
  "Helm chart, multitenancy profile, on a real API server",
  (it) => {
    it.scoped(
      "the controller may impersonate and keep its own objects, and reads no Secret anywhere",
      () =>
        Effect.gen(function* () {
          const kube = yield* KubeClient
          const ns = yield* testNamespace("chart-mt")
          const tenant = yield* testNamespace("chart-mt-tenant")
          const rendered = renderChart(helm, "--set", "multitenancy.enabled=true")
          yield* installObjects(relocate(rendered, ns))

          const expectations: ReadonlyArray<readonly [boolean, Attributes]> = [
            // Acting as the StageSets' ServiceAccounts.
            [true, { verb: "impersonate", resource: "serviceaccounts", namespace: tenant }],
            // Its own objects, in any namespace.
            [true, { verb: "list", group: stages, resource: "stagesets" }],
            [true, { verb: "watch", group: stages, resource: "stagesets" }],
            [true, { verb: "update", group: stages, resource: "stagesets", namespace: tenant }],
            [
              true,
              {
                verb: "update",
                group: stages,
                resource: "stagesets",
                subresource: "status",
                namespace: tenant,
              },
            ],
            [
              true,
              {
                verb: "update",
                group: stages,
                resource: "stagesets",
                subresource: "finalizers",
                namespace: tenant,
              },
            ],
            [true, { verb: "list", group: stages, resource: "stageinventories" }],
            [
              true,
              { verb: "create", group: stages, resource: "stageinventories", namespace: tenant },
            ],
            [
              true,
              { verb: "delete", group: stages, resource: "stageinventories", namespace: tenant },
            ],
            [true, { verb: "create", resource: "events", namespace: tenant }],
            [
              true,
              { verb: "patch", group: "events.k8s.io", resource: "events", namespace: tenant },
            ],
            [
              true,
              { verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: ns },
            ],
            [
              true,
              { verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: ns },
            ],
            [true, { verb: "get", resource: "namespaces" }],
            // Noticing source changes: list and watch, no get.
            [true, { verb: "list", resource: "configmaps" }],
            [true, { verb: "watch", resource: "configmaps" }],
            [true, { verb: "watch", group: flux, resource: "gitrepositories" }],
            [false, { verb: "get", resource: "configmaps", namespace: tenant }],
            [false, { verb: "get", group: flux, resource: "ocirepositories", namespace: tenant }],
            // No Secret, in another namespace or its own, by any read verb.
            [false, { verb: "get", resource: "secrets", namespace: tenant }],
            [false, { verb: "get", resource: "secrets", namespace: ns }],
            [false, { verb: "list", resource: "secrets" }],
            [false, { verb: "list", resource: "secrets", namespace: tenant }],
            [false, { verb: "watch", resource: "secrets" }],
            // No apply rights of its own: the tenants' ServiceAccounts hold those.
            [false, { verb: "create", resource: "configmaps", namespace: tenant }],
            [false, { verb: "create", group: "apps", resource: "deployments", namespace: tenant }],
            [false, { verb: "delete", resource: "services", namespace: tenant }],
            [
              false,
              { verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterroles" },
            ],
            [false, { verb: "get", resource: "pods", namespace: tenant }],
            // Nothing else to impersonate, no leases elsewhere.
            [false, { verb: "impersonate", resource: "users" }],
            [false, { verb: "impersonate", resource: "groups" }],
            [
              false,
              {
                verb: "create",
                group: "coordination.k8s.io",
                resource: "leases",
                namespace: tenant,
              },
            ],
          ]
          expect(yield* accessMismatches(ns, "stageset-controller", expectations)).toEqual([])

          // As the controller's ServiceAccount: a Secret read is refused by the API server,
          // and the controller's start-up check leaves the Secret informer out.
          const asController = kube.impersonate(`system:serviceaccount:${ns}:stageset-controller`)
          yield* kube.create({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "tenant-secret", namespace: tenant },
            stringData: { token: "s3cr3t" },
          })
          const refused = yield* Effect.flip(
            asController.get({
              apiVersion: "v1",
              kind: "Secret",
              namespace: tenant,
              name: "tenant-secret",
            }),
          )
          expect(refused._tag).toBe("KubeForbidden")
          yield* installFluxCrds
          const watchable = (apiVersion: string, kind: string, namespaces: Array<string> = []) =>
            mayListAndWatch({ apiVersion, kind }, namespaces).pipe(
              Effect.provideService(KubeClient, asController),
            )
          expect(yield* watchable("v1", "Secret")).toBe(false)
          expect(yield* watchable("v1", "Secret", [tenant])).toBe(false)
          expect(yield* watchable("v1", "ConfigMap")).toBe(true)
          expect(yield* watchable(FLUX_SOURCE_API_VERSION, "GitRepository")).toBe(true)
        }),
      180_000,
    )
  },
)
