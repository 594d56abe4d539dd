import { type Duration, Effect, Schedule, type Scope } from "effect"
import { API_VERSION, STAGE_SET_KIND } from "../src/inventory/Labels.ts"
import type { KubeClientApi } from "../src/kube/KubeClient.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { objectNames, sourceConfigMap, stageSetObject } from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import { startControllerProcess } from "./support/process.ts"
import { compare, median, row } from "./support/results.ts"
import { isReady, waitAllReady } from "./support/stageSets.ts"

const AS_USER = { fieldManager: "stageset-bench", force: true }
const SMALL = "small"
const BIG = "big"

const stageSetKey = (namespace: string, name: string) => ({
  apiVersion: API_VERSION,
  kind: STAGE_SET_KIND,
  namespace,
  name,
})

/**
 * Deletes a StageSet and waits (up to `limit`) until the controller's teardown let it go.
 */
const deleteAndAwait = (
  kube: KubeClientApi,
  namespace: string,
  name: string,
  limit: Duration.DurationInput = "2 minutes",
) =>
  Effect.gen(function* () {
    yield* kube.delete(stageSetKey(namespace, name)).pipe(Effect.ignore)
    yield* kube.get(stageSetKey(namespace, name)).pipe(
      Effect.flatMap(() => Effect.fail("still there" as const)),
      Effect.catchTag("KubeNotFound", () => Effect.void),
      Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo(limit))),
      Effect.ignore,
    )
  })

/**
 * B9: fairness between StageSets at the default qps. The B7 StageSet (`stages` x `objects`
 * ConfigMaps) from create to Ready (polled every 50 ms) against a running, idle controller
 * process (default flags), alone; then the same, created while a StageSet of one `big`-object
 * stage applies in another namespace (the small one is created once the big one's object
 * number `min(150, big/4)` exists, past the bucket's burst). Target: beside <= 2 x alone.
 * The big one is deleted and its teardown awaited after each repetition, outside the
 * measurements.
 */
export const b9Fairness = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { big, stages, objects } = ctx.sizes.b9
    out.sizes.bigObjects = big
    out.sizes.stages = stages
    out.sizes.objectsPerStage = objects
    out.sizes.poll = "50 ms"
    const stageNames = Array.from({ length: stages }, (_, i) => `stage-${i}`)
    const namesOf = (stage: string) => objectNames(`${stage}-cm`, objects)
    const bigNames = objectNames("big-cm", big)
    const startedAfter = bigNames[Math.min(150, Math.floor(big / 4))]!
    const proc = yield* startControllerProcess(ctx.cluster.kubeconfigPath, [])
    yield* Effect.sleep("2 seconds")

    const writeSmallSources = (ns: string) =>
      Effect.forEach(
        stageNames,
        (stage) => ctx.setup.apply(sourceConfigMap(ns, `${stage}-source`, namesOf(stage)), AS_USER),
        { discard: true },
      )
    const smallStageSet = (ns: string) =>
      stageSetObject(
        ns,
        SMALL,
        stageNames.map((stage) => ({ name: stage, source: `${stage}-source` })),
      )

    const samples = new Samples()
    const overlapped: Array<boolean> = []
    for (let rep = 1; rep <= ctx.reps; rep++) {
      const alone = yield* withNamespace(ctx, "b9-alone", (ns) =>
        Effect.gen(function* () {
          yield* writeSmallSources(ns)
          const t0 = performance.now()
          yield* ctx.setup.apply(smallStageSet(ns), AS_USER)
          const ms = yield* waitAllReady(ctx.setup, ns, 1, t0, { every: "50 millis" })
          yield* deleteAndAwait(ctx.setup, ns, SMALL)
          return ms
        }).pipe(Effect.orDie),
      )
      samples.add("alone", alone)

      const beside = yield* withNamespace(ctx, "b9-big", (bigNs) =>
        withNamespace(ctx, "b9-small", (smallNs) =>
          Effect.gen(function* () {
            yield* writeSmallSources(smallNs)
            yield* ctx.setup.apply(sourceConfigMap(bigNs, "big-source", bigNames), AS_USER)
            const tBig = performance.now()
            yield* ctx.setup.apply(
              stageSetObject(bigNs, BIG, [{ name: "bulk", source: "big-source" }]),
              AS_USER,
            )
            // The big one is applying, past the burst: one of its later objects exists.
            yield* ctx.setup
              .get({ apiVersion: "v1", kind: "ConfigMap", namespace: bigNs, name: startedAfter })
              .pipe(
                Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("10 minutes"))),
                Effect.orDie,
              )
            const t0 = performance.now()
            yield* ctx.setup.apply(smallStageSet(smallNs), AS_USER)
            const ms = yield* waitAllReady(ctx.setup, smallNs, 1, t0, { every: "50 millis" })
            const bigNow = yield* ctx.setup.get(stageSetKey(bigNs, BIG))
            overlapped.push(!isReady(bigNow))
            const bigMs = yield* waitAllReady(ctx.setup, bigNs, 1, tBig, { every: "200 millis" })
            samples.add("big", bigMs)
            yield* deleteAndAwait(ctx.setup, smallNs, SMALL)
            // The big one's teardown (a delete per object) runs to its end here, before the
            // next repetition. Left to the namespace clean-up, the controller still tore it
            // down (its finalizer, stripped by the harness, was back by the time the
            // namespace controller deleted the StageSet), beside the next repetition's big
            // StageSet: each got half the tokens, and that one's create to Ready doubled.
            yield* deleteAndAwait(ctx.setup, bigNs, BIG, "15 minutes")
            return ms
          }).pipe(Effect.orDie),
        ),
      )
      samples.add("beside", beside)
      ctx.progress(
        `B9 rep ${rep}/${ctx.reps}: small alone ${fmtMs(alone)}, beside the big one ${fmtMs(beside)} (big still applying: ${overlapped.at(-1)}; big create->Ready ${fmtMs(samples.get("big").at(-1) ?? Number.NaN)})`,
      )
    }
    const workload = `${stages} stages x ${objects}, create to Ready`
    const ratio = median(samples.get("beside")) / median(samples.get("alone"))
    out.rows.push(
      row(workload, "controller process, alone", "ms", samples.get("alone")),
      row(workload, `beside a ${big}-object StageSet applying`, "ms", samples.get("beside"), {
        ...compare("beside/alone", ratio, { atMost: 2 }),
        details: { controllerPid: proc.pid, bigStillApplying: overlapped },
      }),
      row(`1 stage x ${big}, create to Ready`, "the big StageSet", "ms", samples.get("big")),
    )
    if (overlapped.some((o) => !o))
      out.notes.push(
        `the big StageSet was already Ready when the small one became Ready in ${overlapped.filter((o) => !o).length} of ${overlapped.length} repetitions: no contention measured there`,
      )
  })
