import { mkdir, writeFile } from "node:fs/promises"
import { cpus, loadavg, release, totalmem } from "node:os"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Command, Options, ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Option, type Scope } from "effect"
import { b1FirstApply } from "./b1FirstApply.ts"
import { b2NoOpReconcile } from "./b2NoOpReconcile.ts"
import { b3PrunePlan } from "./b3PrunePlan.ts"
import { b4ShardWrite } from "./b4ShardWrite.ts"
import { b5ControllerRss } from "./b5ControllerRss.ts"
import { b6Concurrency } from "./b6Concurrency.ts"
import { b7Latency } from "./b7Latency.ts"
import { b8Restart } from "./b8Restart.ts"
import { b9Fairness } from "./b9Fairness.ts"
import { b10CliStartup } from "./b10CliStartup.ts"
import { b11ScaleOut } from "./b11ScaleOut.ts"
import { acquireCluster, rawKubeClient } from "./support/cluster.ts"
import { type Collector, makeCollector } from "./support/collector.ts"
import {
  BENCH_IDS,
  type BenchContext,
  type BenchId,
  DEFAULT_REPS,
  type Mode,
  SIZES,
} from "./support/config.ts"
import { KPT } from "./support/kpt.ts"
import { awaitDeleted } from "./support/namespaces.ts"
import type { BenchResult } from "./support/results.ts"
import { runCommand } from "./support/subjects.ts"
import { renderTable } from "./support/table.ts"

/**
 * `npm run bench`: the benchmarks of shared/spec/performance.md, every subject side by side
 * against one kube-apiserver (a fresh local control plane, or `--kubeconfig`). Prints a
 * table and writes the raw samples to bench/results/latest.json. Not a test: missed
 * targets do not fail the run; a benchmark that could not finish does (exit code 1).
 */

type Bench = (ctx: BenchContext, out: Collector) => Effect.Effect<void, never, Scope.Scope>

const BENCHES: Readonly<Record<BenchId, { readonly title: string; readonly run: Bench }>> = {
  B1: { title: "first apply of one stage of N ConfigMaps", run: b1FirstApply },
  B2: { title: "reconcile again, nothing changed", run: b2NoOpReconcile },
  B3: { title: "planPrune, stored vs rendered, 1% changed (pure)", run: b3PrunePlan },
  B4: { title: "add one object to a sharded stage", run: b4ShardWrite },
  B5: { title: "controller RSS after reconciling many objects", run: b5ControllerRss },
  B6: { title: "many StageSets from cold, --concurrent=8 vs 1", run: b6Concurrency },
  B7: { title: "create-to-Ready latency, 3 stages", run: b7Latency },
  B8: { title: "restart with every StageSet Ready and unchanged", run: b8Restart },
  B9: { title: "fairness: a small StageSet beside a big one applying", run: b9Fairness },
  B10: { title: "stagesetctl start to exit vs kubectl", run: b10CliStartup },
  B11: { title: "scale-out: one process, then --shards=4 with two", run: b11ScaleOut },
}

const defaultOut = fileURLToPath(new URL("./results/latest.json", import.meta.url))

const options = {
  quick: Options.boolean("quick").pipe(
    Options.withDescription("Smaller sizes and fewer repetitions: the whole run takes minutes."),
  ),
  tiny: Options.boolean("tiny").pipe(
    Options.withDescription("Very small sizes, one repetition: a smoke test of the harness."),
  ),
  only: Options.text("only").pipe(
    Options.withDescription("Comma-separated benchmarks to run, e.g. B1,B3 (default: all)."),
    Options.optional,
  ),
  reps: Options.integer("reps").pipe(
    Options.withDescription("Repetitions of every benchmark (default: per benchmark and mode)."),
    Options.optional,
  ),
  out: Options.text("out").pipe(
    Options.withDescription("Where to write the JSON results."),
    Options.withDefault(defaultOut),
  ),
  kubeconfig: Options.text("kubeconfig").pipe(
    Options.withDescription("Use this cluster instead of starting a local control plane."),
    Options.optional,
  ),
}

const progress = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

const parseOnly = (text: Option.Option<string>): ReadonlyArray<BenchId> => {
  if (Option.isNone(text)) return BENCH_IDS
  const wanted = text.value
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== "")
  const unknown = wanted.filter((id) => !BENCH_IDS.includes(id as BenchId))
  if (unknown.length > 0)
    throw new Error(
      `--only: unknown benchmark ${unknown.join(", ")} (known: ${BENCH_IDS.join(",")})`,
    )
  return BENCH_IDS.filter((id) => wanted.includes(id))
}

const versionOf = (command: string, args: ReadonlyArray<string>) =>
  Effect.map(runCommand(command, args), (r) => (r.code === 0 ? r.output.trim() : "unavailable"))

const main = Command.make("bench", options, (flags) =>
  Effect.scoped(
    Effect.gen(function* () {
      const started = Date.now()
      const mode: Mode = flags.tiny ? "tiny" : flags.quick ? "quick" : "full"
      const ids = parseOnly(flags.only)
      const sizes = SIZES[mode]
      const repsOf = (id: BenchId) => Option.getOrElse(flags.reps, () => DEFAULT_REPS[mode][id])
      const out = resolve(flags.out)
      progress(`mode ${mode}; benchmarks ${ids.join(",")}; sizes ${JSON.stringify(sizes)}`)
      progress(`repetitions ${ids.map((id) => `${id}=${repsOf(id)}`).join(" ")}`)

      const cluster = yield* acquireCluster(Option.getOrUndefined(flags.kubeconfig)).pipe(
        Effect.orDie,
      )
      progress(
        `${cluster.external ? "cluster" : "local control plane"} ${cluster.kubeconfigPath} (${cluster.serverVersion})`,
      )
      const setup = yield* rawKubeClient(cluster.kubeconfigPath, "stageset-bench-setup")
      const results: Array<BenchResult> = []
      for (const id of ids) {
        const t0 = performance.now()
        const collector = makeCollector()
        const reps = repsOf(id)
        const ctx: BenchContext = { mode, sizes, reps, cluster, setup, progress }
        progress(`${id}: ${BENCHES[id].title}`)
        const exit = yield* Effect.exit(Effect.scoped(BENCHES[id].run(ctx, collector)))
        const error = exit._tag === "Failure" ? Cause.pretty(exit.cause) : undefined
        if (error !== undefined) progress(`${id} failed: ${error}`)
        // Its namespaces finish terminating before the next benchmark starts (--tiny: no wait).
        if (mode !== "tiny") yield* awaitDeleted(setup)
        results.push({
          id,
          title: BENCHES[id].title,
          sizes: collector.sizes,
          reps,
          rows: collector.rows,
          notes: collector.notes,
          durationSeconds: (performance.now() - t0) / 1000,
          ...(error === undefined ? {} : { error }),
        })
      }

      const durationSeconds = (Date.now() - started) / 1000
      const rows = results.flatMap((r) => r.rows)
      const report = {
        harness: {
          mode,
          args: process.argv.slice(2),
          startedAt: new Date(started).toISOString(),
          durationSeconds,
          sizes,
        },
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? "unknown",
          memoryBytes: totalmem(),
          loadAverageAtEnd: loadavg(),
          kernel: release(),
          node: process.version,
          kubeVersion: cluster.serverVersion,
          kubectl: yield* versionOf(cluster.kubectl, ["version", "--client", "-o", "json"]).pipe(
            Effect.map((text) => {
              try {
                return (JSON.parse(text) as { clientVersion?: { gitVersion?: string } })
                  .clientVersion?.gitVersion
              } catch {
                return text
              }
            }),
          ),
          kpt: yield* versionOf(KPT, ["version"]),
        },
        cluster: { external: cluster.external },
        code: {
          commit: yield* versionOf("git", ["rev-parse", "HEAD"]),
          // What the controller code measured was: uncommitted changes under src/ and layers/.
          uncommitted: (yield* versionOf("git", ["status", "--porcelain", "--", "src", "layers"]))
            .split("\n")
            .filter((line) => line.trim() !== ""),
        },
        summary: {
          targets: rows.filter((r) => r.pass !== undefined).length,
          met: rows.filter((r) => r.pass === true).length,
          missed: rows.filter((r) => r.pass === false).length,
          errors: results.filter((r) => r.error !== undefined).map((r) => r.id),
        },
        benchmarks: results,
      }
      yield* Effect.promise(async () => {
        await mkdir(dirname(out), { recursive: true })
        await writeFile(out, `${JSON.stringify(report, null, 2)}\n`)
      })

      const lines = [
        `stageset-controller benchmarks (shared/spec/performance.md), mode ${mode}`,
        `sizes: ${ids.map((id) => `${id} ${describeSizes(id, mode)}`).join("; ")}`,
        `machine: ${report.machine.cpus} cpus, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, kube ${cluster.serverVersion}`,
        "",
        renderTable(results),
        "",
        ...results.flatMap((r) => r.notes.map((n) => `${r.id}: ${n}`)),
        "",
        `targets met ${report.summary.met}/${report.summary.targets}; took ${(durationSeconds / 60).toFixed(1)} min; results in ${out}`,
      ]
      process.stdout.write(`${lines.join("\n")}\n`)
      if (report.summary.errors.length > 0) process.exitCode = 1
    }),
  ),
)

const describeSizes = (id: BenchId, mode: Mode): string => {
  const s = SIZES[mode]
  switch (id) {
    case "B1":
      return `N=${s.b1.join(",")}`
    case "B2":
      return `N=${s.b2}`
    case "B3":
      return `N=${s.b3.join(",")}`
    case "B4":
      return `${s.b4.entries} entries, cap ${s.b4.cap}`
    case "B5":
      return `${s.b5.objects} objects in ${s.b5.stageSets} StageSets`
    case "B6":
      return `${s.b6.stageSets} StageSets x ${s.b6.objects}`
    case "B7":
      return `${s.b7.stages} stages x ${s.b7.objects}`
    case "B8":
      return `${s.b8.stageSets} StageSets x ${s.b8.objects}`
    case "B9":
      return `${s.b9.stages} stages x ${s.b9.objects} beside 1 x ${s.b9.big}`
    case "B10":
      return `get -A and inventory of one ${s.b7.stages} x ${s.b7.objects} StageSet`
    case "B11":
      return `${s.b11.stageSets} StageSets x ${s.b11.objects}, 1 process then --shards=4 x 2`
  }
}

Command.run(main, { name: "bench", version: "0.1.0" })(process.argv).pipe(
  Effect.catchIf(ValidationError.isValidationError, () =>
    Effect.sync(() => {
      process.exitCode = 2
    }),
  ),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disablePrettyLogger: true }),
)
