import { Effect, Schedule, type Scope } from "effect"
import { API_VERSION, STAGE_SET_KIND } from "../src/inventory/Labels.ts"
import { STAGE_SET } from "./b1FirstApply.ts"
import { rawKubeClient } from "./support/cluster.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { objectNames, renderedStage, sourceConfigMap, stageSetObject } from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import { startControllerProcess } from "./support/process.ts"
import { bound, median, row } from "./support/results.ts"
import { waitAllReady } from "./support/stageSets.ts"
import { makeBareSubject } from "./support/subjects.ts"

const AS_USER = { fieldManager: "stageset-bench", force: true }

/**
 * B7: one StageSet of `stages` stages x `objects` ConfigMaps (all ready at once) against a
 * running, idle controller process (default flags): from the create of the StageSet (its
 * sources exist already) to a poll (every 50 ms) that sees it Ready. Compared with the bare
 * apply of the same objects in `stages` sequential batches.
 */
export const b7Latency = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { stages, objects } = ctx.sizes.b7
    out.sizes.stages = stages
    out.sizes.objectsPerStage = objects
    out.sizes.poll = "50 ms"
    const stageNames = Array.from({ length: stages }, (_, i) => `stage-${i}`)
    const namesOf = (stage: string) => objectNames(`${stage}-cm`, objects)
    const bare = makeBareSubject(
      yield* rawKubeClient(ctx.cluster.kubeconfigPath, "stageset-bench-bare"),
    )
    const proc = yield* startControllerProcess(ctx.cluster.kubeconfigPath, [])
    yield* Effect.sleep("2 seconds")
    const samples = new Samples()
    for (let rep = 1; rep <= ctx.reps; rep++) {
      const bareRun = yield* withNamespace(ctx, "b7-bare", (ns) =>
        bare.apply(stageNames.map((stage) => renderedStage(namesOf(stage), ns, STAGE_SET, stage))),
      )
      samples.add("bare", bareRun.ms)
      const ms = yield* withNamespace(ctx, "b7", (ns) =>
        Effect.gen(function* () {
          for (const stage of stageNames)
            yield* ctx.setup.apply(sourceConfigMap(ns, `${stage}-source`, namesOf(stage)), AS_USER)
          const t0 = performance.now()
          yield* ctx.setup.apply(
            stageSetObject(
              ns,
              STAGE_SET,
              stageNames.map((stage) => ({ name: stage, source: `${stage}-source` })),
            ),
            AS_USER,
          )
          const ms = yield* waitAllReady(ctx.setup, ns, 1, t0, { every: "50 millis" })
          // Let the controller tear it down before the next repetition starts.
          const key = {
            apiVersion: API_VERSION,
            kind: STAGE_SET_KIND,
            namespace: ns,
            name: STAGE_SET,
          }
          yield* ctx.setup.delete(key)
          yield* ctx.setup.get(key).pipe(
            Effect.flatMap(() => Effect.fail("still there" as const)),
            Effect.catchTag("KubeNotFound", () => Effect.void),
            Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("2 minutes"))),
            Effect.ignore,
          )
          return ms
        }).pipe(Effect.orDie),
      )
      samples.add("controller", ms)
      ctx.progress(
        `B7 rep ${rep}/${ctx.reps}: controller create->Ready ${fmtMs(ms)}, bare ${fmtMs(bareRun.ms)}`,
      )
    }
    const workload = `${stages} stages x ${objects}, create to Ready`
    const overhead = median(samples.get("controller")) - median(samples.get("bare"))
    out.rows.push(
      row(workload, `bare loop, ${stages} sequential batches`, "ms", samples.get("bare")),
      row(workload, "controller process", "ms", samples.get("controller"), {
        comparison: { label: "controller-bare ms", value: overhead },
        ...bound(overhead, { atMost: 2000 }, "ms above bare"),
        details: { controllerPid: proc.pid },
      }),
    )
  })
