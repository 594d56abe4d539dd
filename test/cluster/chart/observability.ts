import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Schema } from "effect"
import { parseAllDocuments } from "yaml"

/**
 * Test support for the chart's Grafana dashboard and PrometheusRule: rendering them with helm,
 * Effect Schemas for the parts of each model that Grafana and the Prometheus Operator rely on,
 * and a reader of the metric names a PromQL expression refers to. Shared by the unit chart
 * test (structure) and the cluster chart test (every name is exported by a running controller).
 */

const root = fileURLToPath(new URL("../../../", import.meta.url))
export const chartPath = `${root}manifests/chart/stageset-controller`

/** Values that switch both on; the rest of the render is the default one. */
export const observabilityValues = [
  "--set",
  "metrics.grafanaDashboard.enabled=true,metrics.prometheusRule.enabled=true",
]

/** The cached helm binary (hack/build-helm.sh builds it on the first run, which takes minutes). */
export const helmBinary = (): string =>
  execFileSync("bash", [`${root}hack/build-helm.sh`], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim()

export type Manifest = {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: {
    readonly name: string
    readonly namespace?: string
    readonly labels?: Readonly<Record<string, string>>
    readonly annotations?: Readonly<Record<string, string>>
  }
  readonly [key: string]: unknown
}

/** `helm template` of the chart as release stageset-controller in stageset-system. */
export const renderChart = (helm: string, ...extra: Array<string>): Array<Manifest> =>
  parseAllDocuments(
    execFileSync(
      helm,
      ["template", "stageset-controller", chartPath, "--namespace", "stageset-system", ...extra],
      { encoding: "utf8" },
    ),
  )
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null)

// ---------------------------------------------------------------------------------------------
// Grafana dashboard model (the JSON a dashboard is saved as). Only what this chart uses is
// described, and excess properties are refused, so a misspelt key fails instead of being
// silently ignored by Grafana.

const NonEmpty = Schema.NonEmptyTrimmedString
const NonNegativeInt = Schema.Int.pipe(Schema.nonNegative())

/** A reference to a data source; `uid` may be a variable (`${datasource}`). */
export const DataSourceRef = Schema.Struct({ type: NonEmpty, uid: NonEmpty }).annotations({
  identifier: "DataSourceRef",
})

/** Position on Grafana's 24-column grid. */
export const GridPos = Schema.Struct({
  x: NonNegativeInt.pipe(Schema.lessThan(24)),
  y: NonNegativeInt,
  w: Schema.Int.pipe(Schema.between(1, 24)),
  h: Schema.Int.pipe(Schema.positive()),
})
  .pipe(Schema.filter((g) => g.x + g.w <= 24 || `x + w = ${g.x + g.w} exceeds 24 columns`))
  .annotations({ identifier: "GridPos" })

/** A Prometheus query of a panel. */
export const PrometheusTarget = Schema.Struct({
  refId: Schema.String.pipe(Schema.pattern(/^[A-Z]$/)),
  datasource: DataSourceRef,
  expr: NonEmpty,
  legendFormat: Schema.optional(Schema.String),
  instant: Schema.optional(Schema.Boolean),
  range: Schema.optional(Schema.Boolean),
  format: Schema.optional(Schema.Literal("time_series", "table", "heatmap")),
}).annotations({ identifier: "PrometheusTarget" })

const Color = Schema.Struct({
  mode: Schema.Literal("palette-classic", "thresholds", "fixed"),
  fixedColor: Schema.optional(NonEmpty),
})

const Thresholds = Schema.Struct({
  mode: Schema.Literal("absolute", "percentage"),
  steps: Schema.NonEmptyArray(
    Schema.Struct({ color: NonEmpty, value: Schema.NullOr(Schema.Number) }),
  ),
})

const Override = Schema.Struct({
  matcher: Schema.Struct({ id: Schema.Literal("byName", "byRegexp"), options: NonEmpty }),
  properties: Schema.NonEmptyArray(Schema.Struct({ id: NonEmpty, value: Schema.Unknown })),
})

const FieldConfig = Schema.Struct({
  defaults: Schema.Struct({
    unit: NonEmpty,
    min: Schema.optional(Schema.Number),
    decimals: Schema.optional(NonNegativeInt),
    color: Color,
    thresholds: Schema.optional(Thresholds),
    // The visualisation's own field options (line width, fill, stacking).
    custom: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  }),
  overrides: Schema.Array(Override),
}).annotations({ identifier: "FieldConfig" })

/** Kinds of panel this dashboard may use (each is built into Grafana). */
export const panelTypes = ["row", "timeseries", "stat", "bargauge"] as const

export const Panel = Schema.Struct({
  id: Schema.Int.pipe(Schema.positive()),
  type: Schema.Literal(...panelTypes),
  title: NonEmpty,
  description: Schema.optional(NonEmpty),
  gridPos: GridPos,
  datasource: Schema.optional(DataSourceRef),
  targets: Schema.optional(Schema.Array(PrometheusTarget)),
  fieldConfig: Schema.optional(FieldConfig),
  // Options differ per panel type; Grafana fills in what is missing.
  options: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  // Rows only.
  collapsed: Schema.optional(Schema.Boolean),
  panels: Schema.optional(Schema.Array(Schema.Unknown)),
}).annotations({ identifier: "Panel" })
export type Panel = typeof Panel.Type

const VariableCommon = {
  name: Schema.String.pipe(Schema.pattern(/^[a-zA-Z_][a-zA-Z0-9_]*$/)),
  label: Schema.optional(NonEmpty),
  current: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  hide: Schema.Literal(0, 1, 2),
  includeAll: Schema.Boolean,
  multi: Schema.Boolean,
  options: Schema.Array(Schema.Unknown),
  regex: Schema.String,
}

/** A variable listing the data sources of one type. */
export const DataSourceVariable = Schema.Struct({
  ...VariableCommon,
  type: Schema.Literal("datasource"),
  query: Schema.Literal("prometheus"),
  refresh: Schema.Literal(1, 2),
}).annotations({ identifier: "DataSourceVariable" })

/** A variable filled by a query (e.g. `label_values(metric, label)`). */
export const QueryVariable = Schema.Struct({
  ...VariableCommon,
  type: Schema.Literal("query"),
  datasource: DataSourceRef,
  definition: NonEmpty,
  query: NonEmpty,
  refresh: Schema.Literal(1, 2),
  sort: Schema.optional(Schema.Int.pipe(Schema.between(0, 8))),
  allValue: Schema.optional(Schema.String),
}).annotations({ identifier: "QueryVariable" })

export const Variable = Schema.Union(DataSourceVariable, QueryVariable)

export const Dashboard = Schema.Struct({
  title: NonEmpty,
  // Grafana keeps uids to 40 characters of this alphabet.
  uid: Schema.String.pipe(Schema.pattern(/^[a-zA-Z0-9_-]{1,40}$/)),
  description: Schema.optional(NonEmpty),
  tags: Schema.Array(NonEmpty),
  // The model version Grafana migrates from; 36 introduced data source references by uid.
  schemaVersion: Schema.Int.pipe(Schema.greaterThanOrEqualTo(36)),
  version: NonNegativeInt,
  editable: Schema.Boolean,
  graphTooltip: Schema.Literal(0, 1, 2),
  refresh: Schema.String,
  time: Schema.Struct({ from: NonEmpty, to: NonEmpty }),
  timepicker: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  timezone: Schema.String,
  links: Schema.Array(Schema.Unknown),
  annotations: Schema.Struct({ list: Schema.Array(Schema.Unknown) }),
  templating: Schema.Struct({ list: Schema.Array(Variable) }),
  panels: Schema.NonEmptyArray(Panel),
}).annotations({ identifier: "Dashboard" })
export type Dashboard = typeof Dashboard.Type

export const decodeDashboard = Schema.decodeUnknownSync(Dashboard, {
  errors: "all",
  onExcessProperty: "error",
})

// ---------------------------------------------------------------------------------------------
// PrometheusRule (monitoring.coreos.com/v1): the fields of spec.groups[].rules[] that an
// alerting rule uses.

/** A Prometheus duration: one or more number-unit pairs (`1h30m`, `15m`). */
export const PromDuration = Schema.String.pipe(Schema.pattern(/^(\d+(ms|s|m|h|d|w|y))+$/))

export const AlertingRule = Schema.Struct({
  alert: Schema.String.pipe(Schema.pattern(/^[a-zA-Z_][a-zA-Z0-9_]*$/)),
  expr: NonEmpty,
  for: PromDuration,
  labels: Schema.Struct(
    { severity: Schema.Literal("critical", "warning", "info") },
    Schema.Record({ key: Schema.String, value: Schema.String }),
  ),
  annotations: Schema.Struct({
    summary: NonEmpty,
    description: NonEmpty,
    runbook_url: Schema.optional(NonEmpty),
  }),
}).annotations({ identifier: "AlertingRule" })
export type AlertingRule = typeof AlertingRule.Type

export const PrometheusRule = Schema.Struct({
  apiVersion: Schema.Literal("monitoring.coreos.com/v1"),
  kind: Schema.Literal("PrometheusRule"),
  metadata: Schema.Struct({
    name: NonEmpty,
    namespace: NonEmpty,
    labels: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
    annotations: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  }),
  spec: Schema.Struct({
    groups: Schema.NonEmptyArray(
      Schema.Struct({
        name: NonEmpty,
        interval: Schema.optional(PromDuration),
        rules: Schema.NonEmptyArray(AlertingRule),
      }),
    ),
  }),
}).annotations({ identifier: "PrometheusRule" })
export type PrometheusRule = typeof PrometheusRule.Type

export const decodePrometheusRule = Schema.decodeUnknownSync(PrometheusRule, {
  errors: "all",
  onExcessProperty: "error",
})

// ---------------------------------------------------------------------------------------------
// PromQL: the metric names an expression selects. Not a parser: strings, label matchers,
// range/subquery brackets and grouping clauses are blanked out, then every remaining
// identifier that is not a function call, a keyword or a number is a metric name.

const keywords = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "atan2",
  "inf",
  "nan",
])

/** The metric names `expr` selects (Grafana's `label_values(selector, label)` included). */
export const metricNamesOf = (expr: string): Array<string> => {
  const text = expr
    // label_values(selector, label): the label is not a metric.
    .replace(/label_values\(([^,(){}]*(?:\{[^}]*\})?)\s*,\s*[a-zA-Z_]\w*\s*\)/g, "($1)")
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/\[[^\]]*\]/g, "[]")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\boffset\s+-?[0-9a-z]+/g, " ")
  const names = new Set<string>()
  for (const match of text.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0]
    const at = match.index
    // Part of a number such as 1e3 or 0x1f.
    if (at > 0 && /[0-9.]/.test(text[at - 1]!)) continue
    if (keywords.has(name.toLowerCase())) continue
    if (/^\s*\(/.test(text.slice(at + name.length))) continue
    names.add(name)
  }
  return [...names].sort()
}

/** Whether brackets, braces and parentheses of `expr` (outside strings) are balanced. */
export const balanced = (expr: string): boolean => {
  const closing: Record<string, string> = { ")": "(", "]": "[", "}": "{" }
  const stack: Array<string> = []
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (c === "(" || c === "[" || c === "{") stack.push(c)
    else if (c in closing && stack.pop() !== closing[c]) return false
  }
  return stack.length === 0
}

/** Every PromQL expression of a dashboard: panel targets and query variables. */
export const dashboardExprs = (dashboard: Dashboard): Array<string> => [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.flatMap((v) => (v.type === "query" ? [v.query] : [])),
]

/** Every alert expression of a PrometheusRule. */
export const ruleExprs = (rule: PrometheusRule): Array<string> =>
  rule.spec.groups.flatMap((g) => g.rules.map((r) => r.expr))

// ---------------------------------------------------------------------------------------------
// Prometheus text exposition: the series names a scrape serves.

export interface Exposition {
  /** `# TYPE` of each metric family. */
  readonly types: ReadonlyMap<string, string>
  /** The names of the samples (histograms as `_bucket`, `_sum`, `_count`). */
  readonly samples: ReadonlySet<string>
}

export const parseExposition = (text: string): Exposition => {
  const types = new Map<string, string>()
  const samples = new Set<string>()
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) types.set(type[1]!, type[2]!)
    if (line === "" || line.startsWith("#")) continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)
    if (sample) samples.add(sample[1]!)
  }
  return { types, samples }
}

/**
 * Whether a scrape serves `name`: a sample of that name, or a histogram's (or summary's)
 * `_bucket`/`_sum`/`_count` series whose family is declared with that type.
 */
export const isExported = (exposition: Exposition, name: string): boolean => {
  if (exposition.samples.has(name)) return true
  const suffix = /^(.*)_(bucket|sum|count)$/.exec(name)
  if (suffix === null) return false
  const family = exposition.types.get(suffix[1]!)
  return family === "histogram" || (family === "summary" && suffix[2] !== "bucket")
}
