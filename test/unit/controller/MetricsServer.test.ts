import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Metric, Option, Scope } from "effect"
import { type BindAddress, parseBindAddress } from "../../../src/controller/bindAddress.ts"
import { MetricsServerLive, serveMetrics } from "../../../src/controller/MetricsServer.ts"
import {
  inventoryEntries,
  reconcileDuration,
  reconcileTotal,
} from "../../../src/controller/metrics.ts"
import { httpGet } from "./httpGet.ts"

const loopback: BindAddress = { host: "127.0.0.1", port: 0 }

interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Reads the text exposition the way a scraper does: `# TYPE` lines and samples. */
const parseExposition = (text: string) => {
  const types = new Map<string, string>()
  const samples: Array<Sample> = []
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) types.set(type[1]!, type[2]!)
    if (line === "" || line.startsWith("#")) continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    expect(sample, `not a sample line: ${line}`).not.toBeNull()
    const labels: Record<string, string> = {}
    for (const [, key, value] of (sample![2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!
    samples.push({ name: sample![1]!, labels, value: Number(sample![3]!) })
  }
  return { types, samples }
}

const find = (samples: ReadonlyArray<Sample>, name: string, labels: Record<string, string>) =>
  samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )

describe("MetricsServer", () => {
  it.scopedLive("serves every Effect metric in the Prometheus text format", () =>
    Effect.gen(function* () {
      const result = "metrics-server-test"
      yield* Metric.increment(Metric.tagged(reconcileTotal, "result", result))
      yield* Metric.increment(Metric.tagged(reconcileTotal, "result", result))
      const duration = Metric.tagged(reconcileDuration, "result", result)
      yield* Metric.update(duration, 0.03)
      yield* Metric.update(duration, 0.5)
      const entries = inventoryEntries.pipe(
        Metric.tagged("namespace", "apps"),
        Metric.tagged("stageset", "metrics-server-test"),
        Metric.tagged("stage", "web"),
      )
      yield* Metric.set(entries, 42)

      const address = yield* serveMetrics(loopback)
      const response = yield* httpGet(address, "/metrics")
      expect(response.status).toBe(200)
      expect(response.contentType).toBe("text/plain; version=0.0.4; charset=utf-8")
      const { types, samples } = parseExposition(response.body)

      expect(types.get("stageset_reconcile_total")).toBe("counter")
      expect(find(samples, "stageset_reconcile_total", { result })).toEqual([
        { name: "stageset_reconcile_total", labels: { result }, value: 2 },
      ])
      expect(response.body).toContain(
        "# HELP stageset_reconcile_total StageSet reconciles, by result",
      )

      expect(types.get("stageset_inventory_entries")).toBe("gauge")
      expect(
        find(samples, "stageset_inventory_entries", { stageset: "metrics-server-test" }),
      ).toEqual([
        {
          name: "stageset_inventory_entries",
          labels: { namespace: "apps", stageset: "metrics-server-test", stage: "web" },
          value: 42,
        },
      ])

      const histogram = "stageset_reconcile_duration_seconds"
      expect(types.get(histogram)).toBe("histogram")
      expect(find(samples, `${histogram}_count`, { result }).map((s) => s.value)).toEqual([2])
      expect(find(samples, `${histogram}_sum`, { result })[0]!.value).toBeCloseTo(0.53)
      const buckets = find(samples, `${histogram}_bucket`, { result })
      // Effect's `count: 14` boundaries are 13 doublings from 0.01 s (to 40.96) and +Inf;
      // the counts are cumulative, as Prometheus expects.
      expect(buckets.map((b) => b.labels.le)).toEqual([
        ...[0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96].map(
          String,
        ),
        "+Inf",
      ])
      const cumulative = (le: number) =>
        buckets.find((b) => Math.abs(Number(b.labels.le) - le) < 1e-9)?.value
      expect(cumulative(0.02)).toBe(0)
      expect(cumulative(0.04)).toBe(1)
      expect(cumulative(0.32)).toBe(1)
      expect(cumulative(0.64)).toBe(2)
      expect(buckets.at(-1)).toEqual({
        name: `${histogram}_bucket`,
        labels: { result, le: "+Inf" },
        value: 2,
      })
      // No OpenTelemetry bookkeeping leaks into the series.
      expect(response.body).not.toContain("otel_scope_name")
      expect(response.body).not.toContain("target_info")
    }),
  )

  it.scopedLive("a later scrape sees later updates; other paths are 404", () =>
    Effect.gen(function* () {
      const counter = Metric.tagged(reconcileTotal, "result", "metrics-server-later")
      const address = yield* serveMetrics(loopback)
      yield* Metric.increment(counter)
      const first = parseExposition((yield* httpGet(address, "/metrics")).body)
      yield* Metric.incrementBy(counter, 4)
      const second = parseExposition((yield* httpGet(address, "/metrics")).body)
      const value = (samples: ReadonlyArray<Sample>) =>
        find(samples, "stageset_reconcile_total", { result: "metrics-server-later" })[0]?.value
      expect(value(first.samples)).toBe(1)
      expect(value(second.samples)).toBe(5)
      expect((yield* httpGet(address, "/healthz")).status).toBe(404)
    }),
  )

  it.live("the layer serves until its scope closes; `0` disables it", () =>
    Effect.gen(function* () {
      // Learn a free port from a server on port 0, then give it to the layer.
      const probe = yield* Scope.make()
      const free = yield* serveMetrics(loopback).pipe(Scope.extend(probe))
      yield* Scope.close(probe, Exit.void)
      if (free._tag !== "TcpAddress") return yield* Effect.dieMessage("expected TCP")
      const address = yield* parseBindAddress(`127.0.0.1:${free.port}`)

      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(MetricsServerLive(address), scope)
      expect((yield* httpGet(free, "/metrics")).status).toBe(200)
      yield* Scope.close(scope, Exit.void)
      expect(Exit.isFailure(yield* Effect.exit(httpGet(free, "/metrics")))).toBe(true)

      const disabled = yield* parseBindAddress("0")
      expect(Option.isNone(disabled)).toBe(true)
      const context = yield* Effect.scoped(Layer.build(MetricsServerLive(disabled)))
      expect(context.unsafeMap.size).toBe(0)
    }),
  )
})
