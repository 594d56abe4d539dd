import { Effect, type Scope } from "effect"
import type { Collector } from "./support/collector.ts"
import { fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { objectNames, sourceConfigMap, stageSetObject } from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import {
  heapSnapshot,
  nodeBaseline,
  processRequests,
  readMemory,
  startControllerProcess,
} from "./support/process.ts"
import { bound, median, row } from "./support/results.ts"
import { waitAllReady } from "./support/stageSets.ts"

const AS_USER = { fieldManager: "stageset-bench", force: true }

/** Writes `count` StageSets of `perStageSet` ConfigMaps each (source first), 16 at a time. */
export const createStageSets = (
  ctx: BenchContext,
  namespace: string,
  count: number,
  perStageSet: number,
) =>
  Effect.forEach(
    Array.from({ length: count }, (_, i) => i),
    (i) =>
      Effect.gen(function* () {
        const name = `ss-${String(i).padStart(3, "0")}`
        yield* ctx.setup.apply(
          sourceConfigMap(namespace, `${name}-source`, objectNames(`${name}-cm`, perStageSet)),
          AS_USER,
        )
        yield* ctx.setup.apply(
          stageSetObject(namespace, name, [{ name: "main", source: `${name}-source` }]),
          AS_USER,
        )
      }),
    { concurrency: 16, discard: true },
  ).pipe(Effect.orDie)

/**
 * B5: the controller process (default flags) reconciles `objects` ConfigMaps spread over
 * `stageSets` StageSets; its VmRSS when all are Ready, its peak (VmHWM), against an idle
 * `node -e` on the same Node binary.
 */
export const b5ControllerRss = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { stageSets, objects } = ctx.sizes.b5
    const per = Math.ceil(objects / stageSets)
    out.sizes.stageSets = stageSets
    out.sizes.objectsPerStageSet = per
    out.sizes.controllerFlags = "defaults (--concurrent=4, --kube-api-qps=50, --kube-api-burst=100)"
    const samples = new Samples()
    for (let rep = 1; rep <= ctx.reps; rep++) {
      const baseline = yield* nodeBaseline
      samples.add("baseline", baseline.rssMiB)
      yield* withNamespace(ctx, "b5", (ns) =>
        Effect.scoped(
          Effect.gen(function* () {
            const proc = yield* startControllerProcess(ctx.cluster.kubeconfigPath, [])
            yield* Effect.sleep("2 seconds")
            const idle = yield* readMemory(proc.pid)
            const t0 = performance.now()
            yield* createStageSets(ctx, ns, stageSets, per)
            const ms = yield* waitAllReady(ctx.setup, ns, stageSets, t0, { every: "500 millis" })
            const ready = yield* readMemory(proc.pid)
            samples.add("idle", idle.rssMiB)
            samples.add("ready", ready.rssMiB, yield* processRequests(proc.metricsUrl))
            samples.add("peak", ready.hwmMiB)
            samples.add("ms", ms)
            ctx.progress(
              `B5 rep ${rep}/${ctx.reps}: all Ready in ${fmtMs(ms)}; RSS ${ready.rssMiB.toFixed(1)} MiB (idle ${idle.rssMiB.toFixed(1)}, peak ${ready.hwmMiB.toFixed(1)}, node baseline ${baseline.rssMiB.toFixed(1)})`,
            )
            yield* heapSnapshot(proc.pid)
          }),
        ),
      )
    }
    const workload = `${stageSets * per} objects in ${stageSets} StageSets`
    const rss = median(samples.get("ready"))
    out.rows.push(
      row(workload, "controller RSS at all Ready", "MiB", samples.get("ready"), {
        ...bound(rss, { atMost: 200 }, "MiB"),
        comparison: { label: "rss/node baseline", value: rss / median(samples.get("baseline")) },
        details: { apiRequestsByVerbPerRep: samples.details("ready") },
      }),
      row(workload, "controller peak RSS (VmHWM)", "MiB", samples.get("peak")),
      row(workload, "controller RSS idle, before", "MiB", samples.get("idle")),
      row(workload, "node -e baseline RSS", "MiB", samples.get("baseline")),
      row(workload, "controller: create to all Ready", "ms", samples.get("ms")),
    )
  })
