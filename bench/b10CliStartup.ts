import { fileURLToPath } from "node:url"
import { Effect, type Scope } from "effect"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { objectNames, sourceConfigMap, stageSetObject } from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import { ensureBundle, startControllerProcess } from "./support/process.ts"
import { compare, median, row } from "./support/results.ts"
import { waitAllReady } from "./support/stageSets.ts"
import { runCommand } from "./support/subjects.ts"

const AS_USER = { fieldManager: "stageset-bench", force: true }
const root = fileURLToPath(new URL("../", import.meta.url))
/** What users run: the bin script (the bundle of `npm run build` when it is current). */
const bin = `${root}bin/stagesetctl.js`
/** The TypeScript sources as Node runs them with type stripping (the bin's fallback). */
const sources = `${root}src/roots/stagesetctl.ts`

/**
 * B10: stagesetctl's wall time for `get -A` and `inventory`, against `kubectl get stagesets
 * -A`, each a fresh process (start-up included) against the same cluster, which holds one
 * Ready StageSet of `stages` x `objects` (reconciled by a controller process that is
 * stopped before the clock runs). Every subject runs once untimed first (OS file cache,
 * kubectl's discovery cache, Node's compile cache), then `reps` times, interleaved.
 * Target: stagesetctl / kubectl <= 2 for both commands, on the medians.
 */
export const b10CliStartup = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { stages, objects } = ctx.sizes.b7
    out.sizes.stages = stages
    out.sizes.objectsPerStage = objects
    yield* Effect.promise(ensureBundle)
    yield* withNamespace(ctx, "b10", (ns) =>
      Effect.gen(function* () {
        const stageNames = Array.from({ length: stages }, (_, i) => `stage-${i}`)
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* startControllerProcess(ctx.cluster.kubeconfigPath, [])
            for (const stage of stageNames)
              yield* ctx.setup.apply(
                sourceConfigMap(ns, `${stage}-source`, objectNames(`${stage}-cm`, objects)),
                AS_USER,
              )
            const t0 = performance.now()
            yield* ctx.setup.apply(
              stageSetObject(
                ns,
                "cli",
                stageNames.map((stage) => ({ name: stage, source: `${stage}-source` })),
              ),
              AS_USER,
            )
            yield* waitAllReady(ctx.setup, ns, 1, t0)
          }).pipe(Effect.orDie),
        )
        const kubeconfig = `--kubeconfig=${ctx.cluster.kubeconfigPath}`
        const subjects: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
          ["kubectl get stagesets -A", ctx.cluster.kubectl, [kubeconfig, "get", "stagesets", "-A"]],
          ["stagesetctl get -A", process.execPath, [bin, "get", "-A", kubeconfig]],
          [
            "stagesetctl inventory",
            process.execPath,
            [bin, "inventory", "cli", "-n", ns, kubeconfig],
          ],
          [
            "stagesetctl get -A, from sources",
            process.execPath,
            [sources, "get", "-A", kubeconfig],
          ],
        ]
        const samples = new Samples()
        for (let rep = 0; rep <= ctx.reps; rep++)
          for (const [name, command, args] of subjects) {
            const result = yield* runCommand(command, args)
            if (result.code !== 0)
              return yield* Effect.dieMessage(`${name} failed (${result.code}):\n${result.output}`)
            if (rep > 0) samples.add(name, result.ms)
          }
        const kubectl = median(samples.get(subjects[0]![0]))
        for (const [name] of subjects) {
          const ms = samples.get(name)
          const ratio = median(ms) / kubectl
          out.rows.push(
            row("one process, start to exit", name, "ms", ms, {
              ...(name === subjects[0]![0]
                ? {}
                : name.endsWith("from sources")
                  ? { comparison: { label: "/kubectl", value: ratio } }
                  : compare("/kubectl", ratio, { atMost: 2 })),
            }),
          )
        }
        ctx.progress(
          `B10: ${subjects.map(([name]) => `${name} ${fmtMs(median(samples.get(name)))}`).join(", ")}`,
        )
      }),
    )
  })
