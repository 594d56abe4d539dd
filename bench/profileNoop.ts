/**
 * B2's no-op reconcile alone, with a V8 CPU profile of the no-op reconciles only (the first
 * apply is not profiled): for finding where a no-op reconcile's CPU goes.
 *
 *   node bench/profileNoop.ts [--kubeconfig <path>] [--n 1000] [--reps 5] [--prof <dir>]
 *
 * Without --kubeconfig it starts a local control plane. The controller runs in this process
 * without a qps limit (bench/support/subjects.ts), as B2's "controller, no qps limit" does.
 * Prints each no-op reconcile's time; with --prof writes noop-<time>.cpuprofile into <dir>
 * (summarise it with bench/profileSummary.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { STAGE_SET, writeStageSet } from "./b1FirstApply.ts"
import { acquireCluster, rawKubeClient } from "./support/cluster.ts"
import type { BenchContext } from "./support/config.ts"
import { objectNames } from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import { makeControllerSubject, UNTHROTTLED } from "./support/subjects.ts"

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    n: { type: "string", default: "1000" },
    reps: { type: "string", default: "5" },
    prof: { type: "string" },
  },
})
const n = Number(values.n)
const reps = Number(values.reps)

const program = Effect.gen(function* () {
  const cluster = yield* acquireCluster(values.kubeconfig)
  const setup = yield* rawKubeClient(cluster.kubeconfigPath, "stageset-bench-setup")
  const ctx = { setup, cluster } as unknown as BenchContext
  const controller = yield* makeControllerSubject(
    yield* rawKubeClient(cluster.kubeconfigPath, "stageset-controller/bench-b2"),
    UNTHROTTLED,
  )
  const session = new Session()
  session.connect()
  yield* withNamespace(ctx, "noop", (ns) =>
    Effect.gen(function* () {
      yield* writeStageSet(ctx, ns, objectNames("cm", n))
      const first = yield* controller.reconcile(ns, STAGE_SET)
      console.log(`first apply N=${n}: ${first.ms.toFixed(0)} ms`)
      if (values.prof !== undefined) {
        yield* Effect.promise(() => session.post("Profiler.enable"))
        yield* Effect.promise(() => session.post("Profiler.start"))
      }
      const times: Array<number> = []
      const cpus: Array<number> = []
      for (let rep = 1; rep <= reps; rep++) {
        const cpu = process.cpuUsage()
        const again = yield* controller.reconcile(ns, STAGE_SET)
        const used = process.cpuUsage(cpu)
        times.push(again.ms)
        cpus.push((used.user + used.system) / 1000)
        console.log(
          `no-op ${rep}/${reps}: ${again.ms.toFixed(0)} ms (CPU ${cpus.at(-1)!.toFixed(0)} ms), ${again.counts?.calls} calls, ${again.counts?.writes} writes`,
        )
      }
      if (values.prof !== undefined) {
        const { profile } = yield* Effect.promise(() => session.post("Profiler.stop"))
        mkdirSync(values.prof, { recursive: true })
        const file = join(values.prof, `noop-${Date.now()}.cpuprofile`)
        writeFileSync(file, JSON.stringify(profile))
        console.log(`profile: ${file}`)
      }
      const summary = (xs: ReadonlyArray<number>) => {
        const sorted = [...xs].sort((a, b) => a - b)
        return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}`
      }
      console.log(`no-op wall ${summary(times)}; CPU of this process ${summary(cpus)}`)
    }),
  )
})

NodeRuntime.runMain(Effect.scoped(program))
