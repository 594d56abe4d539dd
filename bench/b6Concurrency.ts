import { Effect, type Scope } from "effect"
import { createStageSets } from "./b5ControllerRss.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { withNamespace } from "./support/namespaces.ts"
import { processRequests, startControllerProcess } from "./support/process.ts"
import { compare, median, row } from "./support/results.ts"
import { waitAllReady } from "./support/stageSets.ts"

const NO_LIMIT = ["--kube-api-qps=100000", "--kube-api-burst=100000"]

/**
 * B6: a running, idle controller process; the clock starts before the StageSets and their
 * sources are created and stops when a poll (every 200 ms) sees all of them Ready. Once
 * with the client-side token bucket out of the way (what the API server allows) and once at
 * the default --kube-api-qps=50 (what the process does out of the box).
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
    // --tiny only proves the harness works: one variant is enough.
    for (const variant of ctx.mode === "tiny" ? variants.slice(0, 1) : variants) {
      const samples = new Samples()
      for (let rep = 1; rep <= ctx.reps; rep++)
        for (const concurrent of [8, 1]) {
          const key = `--concurrent=${concurrent}`
          yield* withNamespace(ctx, "b6", (ns) =>
            Effect.scoped(
              Effect.gen(function* () {
                const proc = yield* startControllerProcess(ctx.cluster.kubeconfigPath, [
                  key,
                  ...variant.flags,
                ])
                yield* Effect.sleep("1 second")
                const t0 = performance.now()
                yield* createStageSets(ctx, ns, stageSets, objects)
                const ms = yield* waitAllReady(ctx.setup, ns, stageSets, t0)
                samples.add(key, ms, yield* processRequests(proc.metricsUrl))
                ctx.progress(
                  `B6 ${variant.label} ${key} rep ${rep}/${ctx.reps}: all Ready in ${fmtMs(ms)}`,
                )
              }),
            ),
          )
        }
      const one = median(samples.get("--concurrent=1"))
      const eight = median(samples.get("--concurrent=8"))
      out.rows.push(
        row(workload, `--concurrent=1, ${variant.label}`, "ms", samples.get("--concurrent=1"), {
          details: { apiRequestsByVerbPerRep: samples.details("--concurrent=1") },
        }),
        row(workload, `--concurrent=8, ${variant.label}`, "ms", samples.get("--concurrent=8"), {
          ...compare("speed-up c1/c8", one / eight, { atLeast: 3 }),
          details: { apiRequestsByVerbPerRep: samples.details("--concurrent=8") },
        }),
      )
    }
  })
