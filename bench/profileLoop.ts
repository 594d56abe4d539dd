/**
 * Where B6's controller process spends its CPU besides the reconcile: the same workload
 * (K StageSets x M ConfigMaps created at once, no qps limit, `--concurrent` 8) run several
 * ways, alternated within minutes so that the machine's speed (which moves by up to 1.5x
 * within an hour here) moves them alike. Modes:
 *
 * - `process`: the controller process as B6 starts it (the bundle, the image's ENV); its
 *   CPU from /proc over the window from creating the StageSets to all Ready.
 * - `process-warm`: the same, after the same workload once in another namespace (torn
 *   down before the window), so V8 has optimised the code already (as in a controller that
 *   has been running a while).
 * - `process-<setting>`, `process-warm-<setting>`: `process` or `process-warm` with other
 *   Node heap or malloc settings than the image's (NODE_SETTINGS below), to measure what
 *   the image's settings cost.
 * - `loop`: the same controller (`controllerMain`, the same flags) in this process, from
 *   the TypeScript sources with Node's default heap; this process's CPU over the window,
 *   less what creating and polling cost the harness in the last `process*` run (so put one
 *   before it in --modes).
 * - `reconcile`: reconcileStageSet alone, once per StageSet one after the other (as
 *   profileCold.ts), on StageSets created beforehand.
 *
 *   node bench/profileLoop.ts [--kubeconfig <path>] [--stagesets 100] [--objects 25] [--reps 2]
 *        [--modes process,loop,reconcile] [--concurrent 8]
 */
import { parseArgs } from "node:util"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Fiber, Schedule } from "effect"
import { API_VERSION, STAGE_SET_KIND } from "../src/inventory/Labels.ts"
import { controllerMain } from "../src/roots/controller.ts"
import { createStageSets } from "./b5ControllerRss.ts"
import { acquireCluster, rawKubeClient } from "./support/cluster.ts"
import type { BenchContext } from "./support/config.ts"
import { HARNESS, withCpu } from "./support/cpu.ts"
import { awaitDeleted, withNamespace } from "./support/namespaces.ts"
import { readMemory, startControllerProcess } from "./support/process.ts"
import { waitAllReady } from "./support/stageSets.ts"
import { makeControllerSubject, UNTHROTTLED } from "./support/subjects.ts"

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    stagesets: { type: "string", default: "100" },
    objects: { type: "string", default: "25" },
    reps: { type: "string", default: "2" },
    modes: { type: "string", default: "process,loop,reconcile" },
    concurrent: { type: "string", default: "8" },
  },
})
const stageSets = Number(values.stagesets)
const objects = Number(values.objects)
const modes = (values.modes ?? "").split(",")
const STAGE_SETS = { apiVersion: API_VERSION, kind: STAGE_SET_KIND }
const FLAGS = [
  `--concurrent=${values.concurrent}`,
  "--kube-api-qps=100000",
  "--kube-api-burst=100000",
]

/** `process-warm-<name>`: the image's ENV but for `drop`, with `args` for Node. */
const NODE_SETTINGS: Record<string, { drop: string; args: string }> = {
  "no-node-options": { drop: "NODE_OPTIONS", args: "" },
  "no-malloc": { drop: "MALLOC_MMAP_THRESHOLD_", args: "" },
  semi4: { drop: "NODE_OPTIONS", args: "--max-semi-space-size=4" },
  old320: { drop: "NODE_OPTIONS", args: "--max-old-space-size=320" },
  semi8old320: { drop: "NODE_OPTIONS", args: "--max-semi-space-size=8 --max-old-space-size=320" },
  semi16old320: { drop: "NODE_OPTIONS", args: "--max-semi-space-size=16 --max-old-space-size=320" },
  semi32old320: { drop: "NODE_OPTIONS", args: "--max-semi-space-size=32 --max-old-space-size=320" },
}

const program = Effect.gen(function* () {
  const cluster = yield* acquireCluster(values.kubeconfig)
  const setup = yield* rawKubeClient(cluster.kubeconfigPath, "stageset-bench-setup")
  const ctx = {
    setup,
    cluster,
    progress: (line: string) => console.log(line),
  } as unknown as BenchContext
  const controller = yield* makeControllerSubject(
    yield* rawKubeClient(cluster.kubeconfigPath, "stageset-controller/bench-cold"),
    UNTHROTTLED,
  )
  const objectCount = stageSets * objects
  const perObject = (cpuSeconds: number) => ((cpuSeconds * 1000) / objectCount).toFixed(2)
  // createStageSets' names.
  const names = Array.from({ length: stageSets }, (_, i) => `ss-${String(i).padStart(3, "0")}`)
  /** Creates the StageSets and their sources in `ns`; ms until a poll sees all Ready. */
  const createAllReady = (ns: string) =>
    Effect.gen(function* () {
      const t0 = performance.now()
      yield* createStageSets(ctx, ns, stageSets, objects)
      return yield* waitAllReady(setup, ns, stageSets, t0)
    })
  let harnessCost = Number.NaN
  const results = new Map<string, Array<number>>()
  const note = (mode: string, cpuSeconds: number, ms: number) => {
    results.set(mode, [...(results.get(mode) ?? []), cpuSeconds])
    console.log(
      `${mode}: ${cpuSeconds.toFixed(2)} CPU-s (${perObject(cpuSeconds)} per object) in ${(ms / 1000).toFixed(1)} s`,
    )
  }

  const runProcess = (warm: boolean, label = warm ? "process-warm" : "process") =>
    Effect.scoped(
      Effect.gen(function* () {
        const proc = yield* startControllerProcess(cluster.kubeconfigPath, FLAGS)
        // `process-warm`: the same workload once before, in a namespace of its own, so the
        // measured run finds V8's code optimised (as in a controller that has been running).
        // Its StageSets are then deleted and torn down by the controller, before the window:
        // the harness's namespace clean-up (finalizers stripped) would have the controller
        // put them back and reconcile them again inside it.
        if (warm) {
          yield* withNamespace(ctx, "loop-warm-up", (ns) =>
            Effect.gen(function* () {
              yield* createAllReady(ns)
              yield* Effect.forEach(
                names,
                (name) => Effect.ignore(setup.delete({ ...STAGE_SETS, namespace: ns, name })),
                { concurrency: 16, discard: true },
              )
              yield* setup.list(STAGE_SETS, { namespace: ns }).pipe(
                Effect.orDie,
                Effect.repeat({
                  until: (list) => list.items.length === 0,
                  schedule: Schedule.spaced("500 millis"),
                }),
              )
            }),
          )
          yield* awaitDeleted(setup)
        }
        yield* withNamespace(ctx, "loop-process", (ns) => measureProcess(ns, proc.pid, label))
      }),
    )
  const measureProcess = (ns: string, pid: number, label: string) =>
    Effect.gen(function* () {
      yield* Effect.sleep("1 second")
      const [ms, usage] = yield* withCpu([{ name: "controller", pid }], createAllReady(ns))
      harnessCost = usage.cpuSeconds[HARNESS] ?? Number.NaN
      note(label, usage.cpuSeconds.controller ?? Number.NaN, ms)
      const memory = yield* readMemory(pid)
      console.log(
        `  (RSS ${memory.rssMiB.toFixed(1)} MiB, peak ${memory.hwmMiB.toFixed(1)}; creating and polling: ${harnessCost.toFixed(2)} CPU-s in the harness)`,
      )
    })

  const runLoop = withNamespace(ctx, "loop-inprocess", (ns) =>
    Effect.scoped(
      Effect.gen(function* () {
        const fiber = yield* controllerMain([
          "node",
          "stageset-controller",
          `--kubeconfig=${cluster.kubeconfigPath}`,
          "--leader-elect=false",
          "--log-level=warn",
          "--metrics-bind-address=0",
          "--health-probe-bind-address=0",
          ...FLAGS,
        ]).pipe(Effect.provide(NodeContext.layer), Effect.forkScoped)
        yield* Effect.sleep("1 second")
        const [ms, usage] = yield* withCpu([], createAllReady(ns))
        yield* Fiber.interrupt(fiber)
        note("loop", (usage.cpuSeconds[HARNESS] ?? Number.NaN) - harnessCost, ms)
      }),
    ),
  )

  const runReconcile = withNamespace(ctx, "loop-reconcile", (ns) =>
    Effect.gen(function* () {
      yield* createStageSets(ctx, ns, stageSets, objects)
      const [ms, usage] = yield* withCpu(
        [],
        Effect.gen(function* () {
          const t0 = performance.now()
          for (const name of names) yield* controller.reconcile(ns, name)
          return performance.now() - t0
        }),
      )
      note("reconcile", usage.cpuSeconds[HARNESS] ?? Number.NaN, ms)
    }),
  )

  const withSettings = (drop: string, args: string, run: Effect.Effect<void>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        process.env.BENCH_IMAGE_ENV_DROP = drop
        process.env.BENCH_NODE_ARGS = args
      }),
      () => run,
      () =>
        Effect.sync(() => {
          delete process.env.BENCH_IMAGE_ENV_DROP
          delete process.env.BENCH_NODE_ARGS
        }),
    )
  const byMode: Record<string, Effect.Effect<void>> = {
    process: runProcess(false),
    "process-warm": runProcess(true),
    loop: runLoop,
    reconcile: runReconcile,
    ...Object.fromEntries(
      Object.entries(NODE_SETTINGS).flatMap(([name, { drop, args }]) => [
        [`process-${name}`, withSettings(drop, args, runProcess(false, `process-${name}`))],
        [
          `process-warm-${name}`,
          withSettings(drop, args, runProcess(true, `process-warm-${name}`)),
        ],
      ]),
    ),
  }
  for (let rep = 1; rep <= Number(values.reps); rep++)
    for (const mode of modes) {
      yield* awaitDeleted(setup)
      const run = byMode[mode]
      if (run === undefined) return yield* Effect.dieMessage(`unknown mode ${mode}`)
      yield* run
    }
  console.log(`${stageSets} StageSets x ${objects}, CPU-ms per object:`)
  for (const [mode, runs] of results) console.log(`  ${mode}: ${runs.map(perObject).join(" / ")}`)
})

NodeRuntime.runMain(Effect.scoped(program))
