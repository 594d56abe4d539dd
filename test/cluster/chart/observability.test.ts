import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, type Scope } from "effect"
import { beforeAll } from "vitest"
import { API_VERSION } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import {
  configMap,
  createNamespace,
  getObject,
  setSource,
  setStageSet,
  statusOf,
  uniqueName,
  yamlOf,
} from "../../acceptance/harness/fixtures.ts"
import { installCrds } from "../../acceptance/harness/installCrds.ts"
import { httpGet, startController, waitHealthy } from "../process/controllerProcess.ts"
import { eventually, LiveKubeClient } from "../support.ts"
import {
  dashboardExprs,
  decodeDashboard,
  decodePrometheusRule,
  helmBinary,
  isExported,
  type Manifest,
  metricNamesOf,
  observabilityValues,
  parseExposition,
  renderChart,
  ruleExprs,
} from "./observability.ts"

/**
 * The chart's Grafana dashboard and PrometheusRule against a real controller process: every
 * metric their expressions select is one the controller exports once it has reconciled.
 */

const run = <A, E>(body: Effect.Effect<A, E, KubeClient | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(body, LiveKubeClient)))

type Rendered = {
  readonly dashboardConfigMap: Manifest
  /** Metric name -> the expressions that select it. */
  readonly referenced: ReadonlyMap<string, ReadonlyArray<string>>
}

const renderObservability = (): Rendered => {
  const all = renderChart(helmBinary(), ...observabilityValues)
  const dashboardConfigMap = all.find((o) => o.kind === "ConfigMap")
  const rule = all.find((o) => o.kind === "PrometheusRule")
  if (dashboardConfigMap === undefined || rule === undefined)
    throw new Error("the chart rendered no dashboard ConfigMap or PrometheusRule")
  const data = dashboardConfigMap.data as Record<string, string>
  const dashboard = decodeDashboard(JSON.parse(data["stageset-controller.json"]!))
  const referenced = new Map<string, Array<string>>()
  for (const expr of [...dashboardExprs(dashboard), ...ruleExprs(decodePrometheusRule(rule))])
    for (const name of metricNamesOf(expr))
      referenced.set(name, [...(referenced.get(name) ?? []), expr])
  return { dashboardConfigMap, referenced }
}

const readyOf = (namespace: string, name: string) =>
  Effect.flatMap(statusOf(namespace, name), (s) => {
    const ready = s?.conditions?.find((c) => c.type === "Ready")
    return ready?.status === "True"
      ? Effect.succeed(ready)
      : Effect.fail(new Error(`not Ready yet: ${JSON.stringify(ready)}`))
  })

beforeAll(() => run(installCrds), 120_000)

describe("the chart's dashboard and alerts on a running controller", () => {
  it(
    "select only metrics the controller exports after reconciling, pruning and tearing down",
    () =>
      run(
        Effect.gen(function* () {
          const { dashboardConfigMap, referenced } = renderObservability()
          expect(referenced.size).toBeGreaterThanOrEqual(8)

          const kube = yield* KubeClient
          const ns = uniqueName("obs")
          yield* createNamespace(ns)
          const proc = yield* startController(["--concurrent=2"])
          yield* waitHealthy(proc)

          // One StageSet to Ready, a source edit that prunes, then teardown.
          const maps = (names: ReadonlyArray<string>) => yamlOf(names.map((n) => configMap(n)))
          yield* setSource(ns, "src", { "all.yaml": maps(["o1", "o2", "o3"]) })
          yield* setStageSet(ns, "ss", [{ name: "apps", source: "src" }])
          yield* eventually(readyOf(ns, "ss"))
          yield* setSource(ns, "src", { "all.yaml": maps(["o1"]) })
          yield* eventually(
            Effect.flatMap(
              getObject({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "o3" }),
              (o) => (o === undefined ? Effect.void : Effect.fail(new Error("o3 not pruned yet"))),
            ),
          )
          yield* kube.delete({
            apiVersion: API_VERSION,
            kind: "StageSet",
            namespace: ns,
            name: "ss",
          })
          yield* eventually(
            Effect.flatMap(
              getObject({ apiVersion: API_VERSION, kind: "StageSet", namespace: ns, name: "ss" }),
              (o) =>
                o === undefined ? Effect.void : Effect.fail(new Error("StageSet still there")),
            ),
          )

          // Metrics are recorded after a reconcile returns: scrape until every name is there.
          const missing = yield* eventually(
            Effect.gen(function* () {
              const scrape = yield* httpGet(proc.metricsUrl).pipe(
                Effect.mapError((error) => [`/metrics: ${error}`]),
              )
              if (scrape.status !== 200)
                return yield* Effect.fail([`/metrics answered ${scrape.status}`])
              const exposition = parseExposition(scrape.body)
              const absent = [...referenced]
                .filter(([name]) => !isExported(exposition, name))
                .map(([name, exprs]) => `${name} (in ${exprs[0]})`)
              return absent.length === 0 ? absent : yield* Effect.fail(absent)
            }),
            Duration.seconds(30),
          ).pipe(Effect.catchAll((absent) => Effect.succeed(absent)))
          expect(missing.join("\n"), "selected by the dashboard or an alert, not exported").toBe("")

          // The dashboard's ConfigMap is one the API server takes as it is.
          const stored = yield* kube.apply(
            {
              ...structuredClone(dashboardConfigMap),
              metadata: { ...dashboardConfigMap.metadata, namespace: ns },
            } as unknown as KubeObject,
            { fieldManager: "stageset-cluster-tests", force: true },
          )
          expect(stored.metadata.labels?.grafana_dashboard).toBe("1")

          expect(yield* proc.terminate).toBe(0)
          yield* kube.delete({ apiVersion: "v1", kind: "Namespace", name: ns }).pipe(Effect.ignore)
        }),
      ),
    180_000,
  )
})
