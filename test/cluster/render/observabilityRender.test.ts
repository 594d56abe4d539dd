import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it } from "vitest"
import {
  balanced,
  chartPath,
  type Dashboard,
  dashboardExprs,
  decodeDashboard,
  decodePrometheusRule,
  helmBinary,
  isExported,
  type Manifest,
  metricNamesOf,
  observabilityValues,
  type PrometheusRule,
  parseExposition,
  renderChart,
  ruleExprs,
} from "../chart/observability.ts"

const metricsSource = fileURLToPath(new URL("../../../src/controller/metrics.ts", import.meta.url))

/** The metric families src/controller/metrics.ts declares, by Prometheus type (as a Metric or, for
 * families whose labelled keys are cached, as a MetricKey). */
const declaredMetrics = (): Map<string, string> => {
  const declared = new Map<string, string>()
  const text = readFileSync(metricsSource, "utf8")
  for (const [, kind, name] of text.matchAll(
    /(?:Metric|MetricKey)\.(counter|gauge|histogram)\(\s*"([^"]+)"/g,
  ))
    declared.set(name!, kind!)
  return declared
}

/** The series names a family of each type is scraped as. */
const seriesOf = (declared: ReadonlyMap<string, string>): Set<string> =>
  new Set(
    [...declared].flatMap(([name, kind]) =>
      kind === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
    ),
  )

const find = (all: ReadonlyArray<Manifest>, kind: string): Manifest | undefined =>
  all.find((o) => o.kind === kind)

const dashboardOf = (configMap: Manifest): Dashboard => {
  const data = configMap.data as Record<string, string>
  expect(Object.keys(data)).toEqual(["stageset-controller.json"])
  return decodeDashboard(JSON.parse(data["stageset-controller.json"]!))
}

/** The labels an expression's outer `sum by (...)` keeps; alert annotations may use only these. */
const groupingOf = (expr: string): Array<string> => {
  const by = /^\s*\w+\s+by\s*\(([^)]*)\)/.exec(expr)
  return by === null ? [] : by[1]!.split(",").map((l) => l.trim())
}

let helm = ""
let all: Array<Manifest> = []

describe("Helm chart: Grafana dashboard and PrometheusRule", () => {
  beforeAll(() => {
    helm = helmBinary()
    all = renderChart(helm, ...observabilityValues)
  }, 900_000)

  it("renders neither by default", () => {
    const kinds = renderChart(helm).map((o) => `${o.kind}/${o.metadata.name}`)
    expect(kinds).not.toContain("ConfigMap/stageset-controller-dashboard")
    expect(kinds.some((k) => k.startsWith("PrometheusRule/"))).toBe(false)
  })

  it("ships the dashboard file unchanged in a ConfigMap labelled for the Grafana sidecar", () => {
    const configMap = find(all, "ConfigMap")!
    expect(configMap.metadata.name).toBe("stageset-controller-dashboard")
    expect(configMap.metadata.namespace).toBe("stageset-system")
    expect(configMap.metadata.labels).toMatchObject({
      grafana_dashboard: "1",
      "app.kubernetes.io/name": "stageset-controller",
    })
    expect(configMap.metadata.annotations).toBeUndefined()
    const data = configMap.data as Record<string, string>
    expect(data["stageset-controller.json"]).toBe(
      readFileSync(`${chartPath}/dashboards/stageset-controller.json`, "utf8").trimEnd(),
    )
  })

  it("is a Grafana dashboard: title, uid, schema version, variables, panels on the grid", () => {
    const dashboard = dashboardOf(find(all, "ConfigMap")!)
    expect(dashboard.title).toBe("StageSet controller")
    expect(dashboard.uid).toBe("stageset-controller")

    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size, "panel ids are unique").toBe(ids.length)

    // No two panels cover the same cell of the grid.
    const cells = new Map<string, string>()
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos
      for (let row = y; row < y + h; row++)
        for (let col = x; col < x + w; col++) {
          const cell = `${col},${row}`
          expect(cells.get(cell), `${panel.title} overlaps another panel at ${cell}`).toBe(
            undefined,
          )
          cells.set(cell, panel.title)
        }
    }
    // Rows span the grid, have no queries and hold no collapsed panels.
    for (const row of dashboard.panels.filter((p) => p.type === "row")) {
      expect(row.gridPos).toMatchObject({ x: 0, w: 24, h: 1 })
      expect(row.targets).toBeUndefined()
      expect(row.panels).toEqual([])
    }
  })

  it("queries through the datasource variable, with at least one target in every panel", () => {
    const dashboard = dashboardOf(find(all, "ConfigMap")!)
    const variables = dashboard.templating.list
    const datasource = variables.find((v) => v.name === "datasource")
    expect(datasource).toMatchObject({ type: "datasource", query: "prometheus" })
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax
    const viaVariable = { type: "prometheus", uid: "${datasource}" }
    for (const variable of variables)
      if (variable.type === "query") expect(variable.datasource).toEqual(viaVariable)

    const defined = new Set(variables.map((v) => v.name))
    const panels = dashboard.panels.filter((p) => p.type !== "row")
    expect(panels.length).toBeGreaterThanOrEqual(10)
    for (const panel of panels) {
      const targets = panel.targets ?? []
      expect(targets.length, `${panel.title} has no target`).toBeGreaterThan(0)
      expect(panel.datasource, panel.title).toEqual(viaVariable)
      expect(panel.fieldConfig, `${panel.title} has no unit`).toBeDefined()
      const refIds = targets.map((t) => t.refId)
      expect(new Set(refIds).size, `${panel.title}: refIds are unique`).toBe(refIds.length)
      for (const target of targets) {
        expect(target.datasource, `${panel.title} ${target.refId}`).toEqual(viaVariable)
        expect(balanced(target.expr), target.expr).toBe(true)
        expect(metricNamesOf(target.expr).length, target.expr).toBeGreaterThan(0)
        // Every variable used is defined (Grafana's own $__ variables aside).
        for (const [, name] of target.expr.matchAll(/\$\{?([a-zA-Z_]\w*)/g))
          if (!name!.startsWith("__")) expect(defined, target.expr).toContain(name)
        // Filtered to the selected job and instances.
        expect(target.expr).toContain('job=~"$job"')
        expect(target.expr).toContain('instance=~"$instance"')
      }
    }
  })

  it("charts every metric the controller declares and no other", () => {
    const declared = declaredMetrics()
    expect([...declared.keys()].sort()).toEqual([
      "stageset_inventory_entries",
      "stageset_inventory_shards",
      "stageset_kube_api_requests_total",
      "stageset_objects_applied_total",
      "stageset_objects_pruned_total",
      "stageset_reconcile_duration_seconds",
      "stageset_reconcile_total",
      "stageset_workqueue_depth",
    ])
    const series = seriesOf(declared)
    const dashboard = dashboardOf(find(all, "ConfigMap")!)
    const used = new Set(dashboardExprs(dashboard).flatMap(metricNamesOf))
    for (const name of used) expect(series, `${name} is not a declared series`).toContain(name)
    const families = new Set(
      [...used]
        .map((name) => name.replace(/_(bucket|sum|count)$/, ""))
        .filter(declared.has, declared),
    )
    expect([...families].sort()).toEqual([...declared.keys()].sort())

    const rule = decodePrometheusRule(find(all, "PrometheusRule"))
    for (const name of ruleExprs(rule).flatMap(metricNamesOf))
      expect(series, `${name} is not a declared series`).toContain(name)
  })

  it("renders a PrometheusRule with the three alerts, scoped to this release's series", () => {
    const rule: PrometheusRule = decodePrometheusRule(find(all, "PrometheusRule"))
    expect(rule.metadata).toMatchObject({
      name: "stageset-controller",
      namespace: "stageset-system",
    })
    const rules = rule.spec.groups.flatMap((g) => g.rules)
    expect(rules.map((r) => [r.alert, r.for, r.labels.severity])).toEqual([
      ["StageSetsNotReady", "1h", "warning"],
      ["StageSetReconcileErrors", "15m", "warning"],
      ["StageSetControllerAPIThrottled", "15m", "warning"],
    ])
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length)
    for (const r of rules) {
      expect(balanced(r.expr), r.expr).toBe(true)
      expect(r.expr).toContain('job="stageset-controller-metrics", namespace="stageset-system"')
      expect(r.expr, "no Helm template left over").not.toMatch(/\{\{|\}\}/)
      // Annotations name only labels that survive the aggregation.
      const kept = groupingOf(r.expr)
      expect(kept.length, r.expr).toBeGreaterThan(0)
      for (const text of Object.values(r.annotations))
        for (const [, label] of (text ?? "").matchAll(/\$labels\.(\w+)/g))
          expect(kept, `${r.alert} annotation uses ${label}`).toContain(label)
    }
    expect(rules[0]!.expr).toMatch(/stageset_reconcile_total\{result="failed",.*\}\[30m\]/)
    expect(rules[1]!.expr).toMatch(/stageset_reconcile_total\{result="error",.*\}\[10m\]/)
    expect(rules[2]!.expr).toMatch(/stageset_kube_api_requests_total\{code="429",.*\}\[5m\]/)
  })

  it("passes values through: namespaces, labels, annotations, selector, rule settings", () => {
    const custom = renderChart(
      helm,
      ...observabilityValues,
      "--set",
      "metrics.grafanaDashboard.namespace=monitoring,metrics.grafanaDashboard.labels.grafana_dashboard=yes",
      "--set",
      "metrics.grafanaDashboard.annotations.grafana_folder=Platform",
      "--set",
      "metrics.prometheusRule.namespace=monitoring,metrics.prometheusRule.labels.release=kube-prom",
      "--set",
      "metrics.prometheusRule.annotations.owner=platform,metrics.prometheusRule.additionalLabels.team=platform",
      "--set-string",
      'metrics.prometheusRule.selector=job="stagesets"',
      "--set",
      "metrics.prometheusRule.rules.reconcileErrors.enabled=false",
      "--set",
      "metrics.prometheusRule.rules.stageSetsNotReady.for=2h,metrics.prometheusRule.rules.stageSetsNotReady.window=45m",
      "--set",
      "metrics.prometheusRule.rules.apiThrottled.severity=critical",
    )
    const configMap = find(custom, "ConfigMap")!
    expect(configMap.metadata.namespace).toBe("monitoring")
    expect(configMap.metadata.labels?.grafana_dashboard).toBe("yes")
    expect(configMap.metadata.annotations).toEqual({ grafana_folder: "Platform" })
    dashboardOf(configMap)

    const rule = decodePrometheusRule(find(custom, "PrometheusRule"))
    expect(rule.metadata.namespace).toBe("monitoring")
    expect(rule.metadata.labels?.release).toBe("kube-prom")
    expect(rule.metadata.annotations).toEqual({ owner: "platform" })
    const rules = rule.spec.groups.flatMap((g) => g.rules)
    expect(rules.map((r) => [r.alert, r.for, r.labels.severity, r.labels.team])).toEqual([
      ["StageSetsNotReady", "2h", "warning", "platform"],
      ["StageSetControllerAPIThrottled", "15m", "critical", "platform"],
    ])
    for (const r of rules) {
      expect(r.expr).toContain('job="stagesets"}')
      expect(r.expr).not.toContain("stageset-system")
    }
    expect(rules[0]!.expr).toContain("[45m]")
    expect(rules[0]!.annotations.description).toContain("45m")
  })

  it("passes helm lint with both switched on", () => {
    expect(() => helmLint(...observabilityValues)).not.toThrow()
  })
})

// execFileSync throws on a non-zero exit, with helm's findings in the message.
const helmLint = (...extra: Array<string>) =>
  execFileSync(helm, ["lint", "--strict", chartPath, ...extra], { encoding: "utf8" })

describe("metricNamesOf", () => {
  it("finds selected metrics, not functions, labels, keywords, durations or strings", () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.99, sum by (le) (rate(a_seconds_bucket{job=~"$job", x="y{z}"}[$__rate_interval])))',
      ),
    ).toEqual(["a_seconds_bucket"])
    expect(
      metricNamesOf(
        "sum without (pod) (rate(a_total[5m] offset 1h)) / on (job) group_left (code) b_total > bool 0",
      ),
    ).toEqual(["a_total", "b_total"])
    expect(metricNamesOf("up == 1 and absent(c) or vector(1e3) unless d:recorded")).toEqual([
      "c",
      "d:recorded",
      "up",
    ])
    expect(metricNamesOf('label_values(m_total{job=~"$job", a="b"}, instance)')).toEqual([
      "m_total",
    ])
    expect(metricNamesOf("label_values(m_total, job)")).toEqual(["m_total"])
    expect(metricNamesOf("max_over_time(g[1h:5m])")).toEqual(["g"])
  })

  it("knows a histogram's series from its family in a scrape", () => {
    const exposition = parseExposition(
      [
        "# TYPE h_seconds histogram",
        'h_seconds_bucket{le="+Inf"} 1',
        "h_seconds_sum 1",
        "h_seconds_count 1",
        "# TYPE c_total counter",
        'c_total{code="200"} 3',
      ].join("\n"),
    )
    expect(isExported(exposition, "h_seconds_bucket")).toBe(true)
    expect(isExported(exposition, "h_seconds_count")).toBe(true)
    expect(isExported(exposition, "h_seconds")).toBe(false)
    expect(isExported(exposition, "c_total")).toBe(true)
    expect(isExported(exposition, "c_total_count")).toBe(false)
    expect(isExported(exposition, "missing_total")).toBe(false)
  })

  it("checks brackets", () => {
    expect(balanced('sum(rate(a{b="(]"}[5m]))')).toBe(true)
    expect(balanced("sum(rate(a[5m])")).toBe(false)
    expect(balanced("sum(rate(a[5m)])")).toBe(false)
  })
})
