/**
 * The controller binary under exactly the RBAC and flags of the chart's multitenancy
 * profile, with a ServiceAccount token as its only credential: what SubjectAccessReviews
 * (chart/multitenancy.test.ts) cannot show, that those rights suffice for the controller to
 * work, as the tenants' ServiceAccounts, and that it never needs a Secret of its own.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { beforeAll } from "vitest"
import {
  applyAsUser,
  cmKey,
  configMap,
  createNamespace,
  getObject,
  setSource,
  setStageSet,
  uniqueName,
  yamlOf,
} from "../acceptance/harness/fixtures.ts"
import { installCrds } from "../acceptance/harness/installCrds.ts"
import { installObjects, relocate } from "./chart/installChart.ts"
import { helmBinary, renderChart } from "./chart/observability.ts"
import {
  kubeconfigWithUser,
  serviceAccountToken,
  tempDir,
} from "./fixtures/serviceAccountKubeconfig.ts"
import { runLive, settledReady, startController, waitHealthy } from "./process/controllerProcess.ts"

let helm = ""
beforeAll(() => {
  helm = helmBinary()
  return runLive(installCrds)
}, 900_000)

/** The chart's container args, but for what the test harness sets itself. */
const chartArgs = (rendered: ReadonlyArray<{ kind: string; [key: string]: unknown }>) => {
  const deployment = rendered.find((o) => o.kind === "Deployment") as unknown as {
    spec: { template: { spec: { containers: Array<{ args: Array<string> }> } } }
  }
  return deployment.spec.template.spec.containers[0]!.args.filter(
    (a) => !/^--(metrics-bind-address|health-probe-bind-address|log-level)=/.test(a),
  )
}

describe("the controller under the multitenancy profile's RBAC", () => {
  it(
    "reconciles as the tenant's default ServiceAccount, and needs no Secret of its own",
    () =>
      runLive(
        Effect.gen(function* () {
          const system = uniqueName("mt-system")
          const tenant = uniqueName("mt-tenant")
          const other = uniqueName("mt-other")
          for (const ns of [system, tenant, other]) yield* createNamespace(ns)
          const rendered = renderChart(helm, "--set", "multitenancy.enabled=true")
          yield* installObjects(relocate(rendered, system))
          const args = chartArgs(rendered)
          expect(args).toContain("--default-service-account=default")
          expect(args).toContain("--no-cross-namespace-refs")

          // The tenant's ServiceAccount holds the apply role in its namespace; the controller
          // holds no rights on ConfigMaps it could apply with.
          yield* applyAsUser({
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "default", namespace: tenant },
          })
          yield* applyAsUser({
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "stageset-deployer", namespace: tenant },
            roleRef: {
              apiGroup: "rbac.authorization.k8s.io",
              kind: "ClusterRole",
              name: `stageset-controller-apply-${system}`,
            },
            subjects: [{ kind: "ServiceAccount", name: "default", namespace: tenant }],
          })
          yield* applyAsUser({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "manifests", namespace: tenant },
            stringData: { "app.yaml": yamlOf([configMap("from-secret")]) },
          })
          yield* applyAsUser({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "elsewhere", namespace: other },
            stringData: { "app.yaml": yamlOf([configMap("stolen")]) },
          })

          const token = yield* serviceAccountToken(system, "stageset-controller")
          const kubeconfig = yield* kubeconfigWithUser(yield* tempDir, { token })
          const proc = yield* startController(
            [...args, `--leader-election-namespace=${system}`],
            kubeconfig,
          )
          yield* waitHealthy(proc)

          yield* setSource(tenant, "src", { "app.yaml": yamlOf([configMap("from-configmap")]) })
          yield* setStageSet(tenant, "from-configmap", [{ name: "only", source: "src" }])
          yield* setStageSet(tenant, "from-secret", [
            {
              name: "only",
              source: "",
              extra: { sourceRef: { kind: "Secret", name: "manifests" } },
            },
          ])
          yield* setStageSet(tenant, "cross", [
            {
              name: "only",
              source: "",
              extra: { sourceRef: { kind: "Secret", name: "elsewhere", namespace: other } },
            },
          ])

          expect(yield* settledReady(tenant, "from-configmap")).toMatchObject({ status: "True" })
          expect(yield* getObject(cmKey(tenant, "from-configmap"))).toBeDefined()
          expect(yield* settledReady(tenant, "from-secret")).toMatchObject({ status: "True" })
          expect(yield* getObject(cmKey(tenant, "from-secret"))).toBeDefined()
          const cross = yield* settledReady(tenant, "cross")
          expect(cross).toMatchObject({ status: "False", reason: "InvalidSpec" })
          expect(yield* getObject(cmKey(tenant, "stolen"))).toBeUndefined()

          // It led through the chart's leader-election Role.
          const lease = yield* getObject({
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            namespace: system,
            name: "stageset-controller.stages.metio.wtf",
          })
          expect(
            (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity,
          ).toBeTruthy()
          expect(cross.message).toContain("namespace")

          const log = yield* proc.log
          // Secrets are left unwatched, said once, instead of a watch failing for ever.
          expect(log).toContain("source kind not watched")
          expect(log).not.toContain('"informer":"v1 Secret"')
          expect(log).not.toContain("stolen")
        }),
      ),
    240_000,
  )
})
