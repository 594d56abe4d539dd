/**
 * B6's per-StageSet cost alone: K StageSets of M ConfigMaps each, reconciled once from cold
 * in this process one after the other (the reconcile a worker runs, without the informers),
 * against the bare loop applying the same K x M objects in batches of M. For finding what
 * a StageSet costs besides its objects' PATCHes.
 *
 *   node bench/profileCold.ts [--kubeconfig <path>] [--stagesets 100] [--objects 25] [--prof <dir>] [--spans]
 *
 * Without --kubeconfig it starts a local control plane. No qps limit (as B6's "no qps
 * limit" rows). Prints this process's CPU per StageSet and per object for both, and the
 * controller's requests per StageSet by verb and kind; with --prof writes
 * cold-<time>.cpuprofile (the controller's reconciles only) into <dir>. With --spans, the
 * process's CPU over each span of the reconciles (Effect.fn phases: prepareRun, applyStage,
 * verifyStage, settleStage, ...), summed per name; concurrent spans of one name (applyObject)
 * overlap, so their sum can exceed the whole.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, type Tracer } from "effect"
import { acquireCluster, rawKubeClient } from "./support/cluster.ts"
import type { BenchContext } from "./support/config.ts"
import {
  objectNames,
  renderedObject,
  sourceConfigMap,
  stageSetObject,
} from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import { makeBareSubject, makeControllerSubject, UNTHROTTLED } from "./support/subjects.ts"

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    stagesets: { type: "string", default: "100" },
    objects: { type: "string", default: "25" },
    prof: { type: "string" },
    spans: { type: "boolean", default: false },
  },
})
const stageSets = Number(values.stagesets)
const objects = Number(values.objects)
const AS_USER = { fieldManager: "stageset-bench", force: true }

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}

/** Wraps a tracer so every span it makes adds the process's CPU over its life to `cpuByName`. */
const cpuTracer = (
  inner: Tracer.Tracer,
  cpuByName: Map<string, [number, number]>,
): Tracer.Tracer => ({
  ...inner,
  span: (name, ...rest) => {
    const span = inner.span(name, ...rest)
    const since = process.cpuUsage()
    const end = span.end.bind(span)
    return Object.assign(span, {
      end: (endTime: bigint, exit: Parameters<Tracer.Span["end"]>[1]) => {
        const [count, ms] = cpuByName.get(name) ?? [0, 0]
        cpuByName.set(name, [count + 1, ms + cpuMs(since)])
        end(endTime, exit)
      },
    })
  },
})

const program = Effect.gen(function* () {
  const cluster = yield* acquireCluster(values.kubeconfig)
  const setup = yield* rawKubeClient(cluster.kubeconfigPath, "stageset-bench-setup")
  const ctx = { setup, cluster } as unknown as BenchContext
  const controller = yield* makeControllerSubject(
    yield* rawKubeClient(cluster.kubeconfigPath, "stageset-controller/bench-cold"),
    UNTHROTTLED,
  )
  const bare = makeBareSubject(yield* rawKubeClient(cluster.kubeconfigPath, "stageset-bench-bare"))
  const names = Array.from({ length: stageSets }, (_, i) => `s${String(i).padStart(4, "0")}`)

  const bareCpu = yield* withNamespace(ctx, "cold-bare", (ns) =>
    Effect.gen(function* () {
      const batches = names.map((s) =>
        objectNames(`${s}-cm`, objects).map((name) => renderedObject(name, ns, s)),
      )
      const since = process.cpuUsage()
      yield* bare.apply(batches)
      return cpuMs(since)
    }),
  )

  const session = new Session()
  session.connect()
  yield* withNamespace(ctx, "cold", (ns) =>
    Effect.gen(function* () {
      for (const s of names) {
        yield* setup.apply(
          sourceConfigMap(ns, `${s}-source`, objectNames(`${s}-cm`, objects)),
          AS_USER,
        )
        yield* setup.apply(
          stageSetObject(ns, s, [{ name: "stage", source: `${s}-source` }]),
          AS_USER,
        )
      }
      if (values.prof !== undefined) {
        yield* Effect.promise(() => session.post("Profiler.enable"))
        yield* Effect.promise(() => session.post("Profiler.start"))
      }
      const since = process.cpuUsage()
      const requests = new Map<string, number>()
      const cpuBySpan = new Map<string, [number, number]>()
      const traced = values.spans
        ? Effect.withTracer(cpuTracer(yield* Effect.tracer, cpuBySpan))
        : <A, E, R>(effect: Effect.Effect<A, E, R>) => effect
      let total = 0
      for (const s of names) {
        const { counts } = yield* traced(controller.reconcile(ns, s))
        total += counts?.requests ?? 0
        for (const [key, n] of Object.entries(counts?.byVerbKind ?? {}))
          requests.set(key, (requests.get(key) ?? 0) + n)
      }
      const controllerCpu = cpuMs(since)
      if (values.prof !== undefined) {
        const { profile } = yield* Effect.promise(() => session.post("Profiler.stop"))
        mkdirSync(values.prof, { recursive: true })
        const file = join(values.prof, `cold-${Date.now()}.cpuprofile`)
        writeFileSync(file, JSON.stringify(profile))
        console.log(`profile: ${file}`)
      }
      const perObject = (ms: number) => (ms / (stageSets * objects)).toFixed(2)
      console.log(
        `${stageSets} StageSets x ${objects}: controller ${controllerCpu.toFixed(0)} CPU-ms ` +
          `(${(controllerCpu / stageSets).toFixed(1)} per StageSet, ${perObject(controllerCpu)} per object), ` +
          `bare loop ${bareCpu.toFixed(0)} CPU-ms (${perObject(bareCpu)} per object): ` +
          `${(controllerCpu / bareCpu).toFixed(2)}x`,
      )
      console.log(`requests per StageSet: ${(total / stageSets).toFixed(2)}`)
      for (const [key, n] of [...requests].sort((a, b) => b[1] - a[1]))
        console.log(`  ${(n / stageSets).toFixed(2)}  ${key}`)
      if (values.spans) {
        console.log("CPU-ms per StageSet over each span (count per StageSet):")
        for (const [name, [count, ms]] of [...cpuBySpan].sort((a, b) => b[1][1] - a[1][1]))
          console.log(
            `  ${(ms / stageSets).toFixed(2).padStart(7)}  ${name} (${(count / stageSets).toFixed(1)})`,
          )
      }
    }),
  )
})

NodeRuntime.runMain(Effect.scoped(program))
