import { Effect, type Scope } from "effect"
import { createStageSets } from "./b5ControllerRss.ts"
import { rawKubeClient } from "./support/cluster.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { type CpuUsage, describeCpu, HARNESS, sumCpu, withCpu } from "./support/cpu.ts"
import { objectNames, renderedStage } from "./support/manifests.ts"
import { awaitDeleted, withNamespace } from "./support/namespaces.ts"
import { processRequests, startControllerProcess } from "./support/process.ts"
import { compare, median, row } from "./support/results.ts"
import { waitAllReady } from "./support/stageSets.ts"
import { makeBareSubject } from "./support/subjects.ts"

const NO_LIMIT = ["--kube-api-qps=100000", "--kube-api-burst=100000"]

/**
 * B6: a running, idle controller process; the clock starts before the StageSets and their
 * sources are created and stops when a poll (every 200 ms) sees all of them Ready. Once
 * with the client-side token bucket out of the way (what the API server allows) and once at
 * the default --kube-api-qps=50 (what the process does out of the box).
 *
 * The CPU seconds of the process, the control plane's components and the harness over the
 * same window tell whether the speed-up is bounded by the cores they share (every one of
 * them competes for the same few cores on a small machine) rather than by the controller.
 */
export const b6Concurrency = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { stageSets, objects } = ctx.sizes.b6
    out.sizes.stageSets = stageSets
    out.sizes.objectsPerStageSet = objects
    out.sizes.poll = "200 ms"
    const workload = `${stageSets} StageSets x ${objects} from cold`
    const variants = [
      { label: "no qps limit", flags: NO_LIMIT },
      { label: "default qps 50", flags: [] as ReadonlyArray<string> },
    ]
    const applied = stageSets * objects
    // The floor for CPU per applied object: the bare loop (bench/support/subjects.ts) sends
    // the same objects as server-side-apply PATCHes, 16 in flight, from this process; its
    // client CPU is the harness's over the window (nothing else runs in it meanwhile).
    const bare = makeBareSubject(
      yield* rawKubeClient(ctx.cluster.kubeconfigPath, "stageset-bench-bare"),
    )
    const bareCpuPerObject: Array<number> = []
    for (let rep = 1; rep <= ctx.reps; rep++) {
      yield* awaitDeleted(ctx.setup)
      yield* withNamespace(ctx, "b6-bare", (ns) =>
        Effect.gen(function* () {
          const batches = Array.from({ length: stageSets }, (_, i) => {
            const name = `ss-${String(i).padStart(3, "0")}`
            return renderedStage(objectNames(`${name}-cm`, objects), ns, name, "main")
          })
          const [, usage] = yield* withCpu(ctx.cluster.components(), bare.apply([batches.flat()]))
          const perObject = ((usage.cpuSeconds[HARNESS] ?? Number.NaN) * 1000) / applied
          bareCpuPerObject.push(perObject)
          out.notes.push(`CPU bare loop, ${applied} objects: ${describeCpu(usage)}`)
          ctx.progress(
            `B6 bare loop rep ${rep}/${ctx.reps}: ${perObject.toFixed(2)} client CPU-ms per object`,
          )
        }),
      )
    }
    // --tiny only proves the harness works: one variant is enough.
    for (const variant of ctx.mode === "tiny" ? variants.slice(0, 1) : variants) {
      const samples = new Samples()
      const cpu = new Map<string, Array<CpuUsage>>()
      const idleCpu = new Map<string, Array<CpuUsage>>()
      for (let rep = 1; rep <= ctx.reps; rep++)
        for (const concurrent of [8, 1]) {
          const key = `--concurrent=${concurrent}`
          // The previous run's namespace must be gone first: a new controller process would
          // otherwise find its StageSets (finalizers stripped, not yet deleted), reconcile
          // them again and tear them down, inside this run's measurement.
          yield* awaitDeleted(ctx.setup)
          yield* withNamespace(ctx, "b6", (ns) =>
            Effect.scoped(
              Effect.gen(function* () {
                const proc = yield* startControllerProcess(ctx.cluster.kubeconfigPath, [
                  key,
                  ...variant.flags,
                ])
                const measured = [
                  { name: "controller", pid: proc.pid },
                  ...ctx.cluster.components(),
                ]
                // The idle second also gives the background rate (leases, the previous
                // namespace's clean-up, others' load), to set against the measured window.
                const [, idle] = yield* withCpu(measured, Effect.sleep("1 second"))
                const [ms, usage] = yield* withCpu(
                  measured,
                  Effect.gen(function* () {
                    const t0 = performance.now()
                    yield* createStageSets(ctx, ns, stageSets, objects)
                    return yield* waitAllReady(ctx.setup, ns, stageSets, t0)
                  }),
                )
                samples.add(key, ms, yield* processRequests(proc.metricsUrl))
                cpu.set(key, [...(cpu.get(key) ?? []), usage])
                idleCpu.set(key, [...(idleCpu.get(key) ?? []), idle])
                const what = `c=${concurrent}, ${variant.label}${ctx.reps > 1 ? `, rep ${rep}` : ""}`
                out.notes.push(
                  `CPU ${what}: ${describeCpu(usage)}; idle second before: ${idle.totalCpuSeconds.toFixed(2)} CPU-s`,
                )
                ctx.progress(
                  `B6 ${variant.label} ${key} rep ${rep}/${ctx.reps}: all Ready in ${fmtMs(ms)}; ${describeCpu(usage)}`,
                )
              }),
            ),
          )
        }
      const one = median(samples.get("--concurrent=1"))
      const eight = median(samples.get("--concurrent=8"))
      // However well c=8 overlaps its work, it cannot finish before the CPU it needs has run
      // on the cores available: wall >= CPU-s / cores. That caps the speed-up it can show.
      const c8Runs = cpu.get("--concurrent=8") ?? []
      const c8CpuSeconds = sumCpu(c8Runs).totalCpuSeconds / c8Runs.length
      const cores = c8Runs[0]?.cores ?? Number.NaN
      const c8Floor = c8CpuSeconds / cores
      const cpuBoundOnSpeedUp = one / 1000 / c8Floor
      out.notes.push(
        `${variant.label}: c=8 needs ${c8CpuSeconds.toFixed(1)} CPU-s, so >= ${c8Floor.toFixed(1)} s on ${cores} cores even if perfectly parallel; with c=1 at ${(one / 1000).toFixed(1)} s the speed-up is at most ${cpuBoundOnSpeedUp.toFixed(2)} (measured ${(one / eight).toFixed(2)})`,
      )
      out.rows.push(
        row(workload, `--concurrent=1, ${variant.label}`, "ms", samples.get("--concurrent=1"), {
          details: {
            apiRequestsByVerbPerRep: samples.details("--concurrent=1"),
            cpuPerRep: cpu.get("--concurrent=1") ?? [],
            idleSecondCpuPerRep: idleCpu.get("--concurrent=1") ?? [],
          },
        }),
        row(workload, `--concurrent=8, ${variant.label}`, "ms", samples.get("--concurrent=8"), {
          ...compare("speed-up c1/c8", one / eight, { atLeast: 3 }),
          details: {
            apiRequestsByVerbPerRep: samples.details("--concurrent=8"),
            cpuPerRep: cpu.get("--concurrent=8") ?? [],
            idleSecondCpuPerRep: idleCpu.get("--concurrent=8") ?? [],
            cpuBoundOnSpeedUp,
          },
        }),
      )
      // CPU per applied object (performance.md B6): the controller process over the whole
      // window from cold (StageSets, sources, inventories, status), at each concurrency.
      const bareMs = median(bareCpuPerObject)
      for (const concurrent of [8, 1]) {
        const runs = cpu.get(`--concurrent=${concurrent}`) ?? []
        const perObject = runs.map(
          (u) => ((u.cpuSeconds.controller ?? Number.NaN) * 1000) / applied,
        )
        out.rows.push(
          row(
            workload,
            `controller CPU-ms per object, --concurrent=${concurrent}, ${variant.label}`,
            "CPU-ms",
            perObject,
            {
              ...compare("controller/bare loop client", median(perObject) / bareMs, {
                atMost: 1.5,
              }),
              details: { bareLoopClientCpuMsPerObject: bareCpuPerObject },
            },
          ),
        )
      }
    }
    out.rows.push(
      row(
        `${applied} objects, one namespace`,
        "bare loop: client CPU-ms per object",
        "CPU-ms",
        bareCpuPerObject,
      ),
    )
  })
