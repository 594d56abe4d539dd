import { execFile } from "node:child_process"
import { readdir, readFile, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Data, Duration, Effect, Schedule, type Scope } from "effect"
import { freePorts } from "../../test/controlplane/freePort.ts"
import { logTail, spawnSupervised } from "../../test/controlplane/supervised.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
/** What the container runs: the bundle of `npm run build` (hack/build.ts). */
const mainScript = `${root}dist/stageset-controller.mjs`

/**
 * The `ENV` lines of the image's final stage (V8's heap caps, glibc's mmap threshold), so
 * that the process measured runs with the settings the container runs with, not with the
 * defaults of Node and glibc on this host. One `KEY=value` or `KEY="value"` per line.
 */
const imageEnv = async (): Promise<Record<string, string>> => {
  const dockerfile = await readFile(`${root}Dockerfile`, "utf8")
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "))
  const env: Record<string, string> = {}
  for (const line of finalStage.split("\n").filter((l) => l.startsWith("ENV "))) {
    const match = /^ENV ([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))$/.exec(line)
    if (match === null) throw new Error(`Dockerfile: cannot read ${JSON.stringify(line)}`)
    env[match[1] as string] = match[2] ?? match[3] ?? ""
  }
  if (env.NODE_OPTIONS === undefined) throw new Error("the Dockerfile's image sets no NODE_OPTIONS")
  return env
}

/**
 * BENCH_IMAGE_ENV_DROP=NAME[,NAME]: start the controller without these of the image's ENV
 * (e.g. MALLOC_MMAP_THRESHOLD_), to measure what each costs.
 */
const withoutDropped = (image: Record<string, string>) => {
  const drop = new Set((process.env.BENCH_IMAGE_ENV_DROP ?? "").split(","))
  return Object.fromEntries(Object.entries(image).filter(([name]) => !drop.has(name)))
}

/**
 * Runs `npm run build` (hack/build.ts) once per harness run, so the controller process
 * measured is the image's and stagesetctl runs from its bundle.
 */
let bundled: Promise<void> | undefined
export const ensureBundle = () => {
  bundled ??= new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [`${root}hack/build.ts`], { cwd: root }, (error) =>
      error ? reject(error) : resolve(),
    ),
  )
  return bundled
}

export interface ControllerProcess {
  readonly pid: number
  readonly metricsUrl: string
  readonly logFile: string
  /** The first log line that names the process's identity (`starting stageset-controller`, info level). */
  readonly startLine: Effect.Effect<string>
  /** SIGKILL: nothing is released, like a node failure. */
  readonly kill: Effect.Effect<void>
}

let started = 0

/** Whether `args` give `flag` (as `--flag=value`). */
const named = (args: ReadonlyArray<string>, flag: string) =>
  args.some((a) => a === flag || a.startsWith(`${flag}=`))

/** The supervisor's log and pid file; a failure has already quoted the log's tail. */
const removeLog = (logFile: string) =>
  Promise.all([rm(logFile, { force: true }), rm(`${logFile}.pid`, { force: true })])

const httpStatus = (url: string) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url)
    await response.text()
    return response.status
  })

/**
 * The controller binary (the bundle of `src/main.ts`) against the cluster, as the container runs it
 * (with the image's NODE_OPTIONS),
 * under the control plane's supervisor (it cannot outlive the harness); stopped (SIGTERM)
 * when the scope closes. Returns once `/readyz` answers 200.
 */
export const startControllerProcess = (
  kubeconfig: string,
  args: ReadonlyArray<string>,
): Effect.Effect<ControllerProcess, never, Scope.Scope> =>
  Effect.gen(function* () {
    yield* Effect.promise(ensureBundle)
    const image = yield* Effect.promise(imageEnv)
    const [metricsPort, healthPort] = yield* Effect.promise(() => freePorts(2))
    const logFile = join(tmpdir(), `stageset-bench-controller-${process.pid}-${++started}.log`)
    const proc = yield* Effect.acquireRelease(
      Effect.promise(() =>
        spawnSupervised({
          name: "stageset-controller",
          command: process.execPath,
          args: [
            // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each controller process, for finding
            // what a benchmark's CPU goes to (open the .cpuprofile in Chrome DevTools).
            ...(process.env.BENCH_CPU_PROF === undefined
              ? []
              : ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]),
            // BENCH_HEAP_SNAPSHOT=<dir>: SIGUSR2 writes a V8 heap snapshot there (B5 sends it
            // once all are Ready and measured), for finding what the heap holds.
            ...(process.env.BENCH_HEAP_SNAPSHOT === undefined
              ? []
              : [
                  "--heapsnapshot-signal=SIGUSR2",
                  `--diagnostic-dir=${process.env.BENCH_HEAP_SNAPSHOT}`,
                ]),
            ...(process.env.BENCH_NODE_ARGS === undefined
              ? []
              : process.env.BENCH_NODE_ARGS.split(" ").filter((arg) => arg !== "")),
            mainScript,
            `--kubeconfig=${kubeconfig}`,
            `--metrics-bind-address=127.0.0.1:${metricsPort}`,
            `--health-probe-bind-address=127.0.0.1:${healthPort}`,
            // Defaults a benchmark may override: one process reconciles everything (a
            // sharded one needs its Leases), and only warnings are logged.
            ...(named(args, "--leader-elect") || named(args, "--shards")
              ? []
              : ["--leader-elect=false"]),
            ...(named(args, "--log-level") ? [] : ["--log-level=warn"]),
            ...args,
          ],
          logFile,
          env: { ...process.env, ...withoutDropped(image) },
          graceSeconds: 10,
        }),
      ),
      (p) => Effect.promise(() => p.stop().then(() => removeLog(logFile))),
    )
    yield* httpStatus(`http://127.0.0.1:${healthPort}/readyz`).pipe(
      Effect.filterOrFail((status) => status === 200),
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo(Duration.seconds(60)))),
      Effect.catchAll(() =>
        Effect.flatMap(
          Effect.promise(() => logTail(logFile, 40)),
          (tail) => Effect.dieMessage(`the controller did not become ready; its log:\n${tail}`),
        ),
      ),
    )
    return {
      pid: proc.pid,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      logFile,
      startLine: Effect.promise(() => readFile(logFile, "utf8").catch(() => "")).pipe(
        Effect.map((log) => log.split("\n").find((l) => l.includes('"identity"')) ?? ""),
      ),
      kill: Effect.sync(() => {
        try {
          process.kill(proc.pid, "SIGKILL")
        } catch {
          // Already gone.
        }
      }),
    } satisfies ControllerProcess
  })

export interface Memory {
  /** Resident set size now, MiB. */
  readonly rssMiB: number
  /** Peak resident set size so far (VmHWM), MiB. */
  readonly hwmMiB: number
}

const kibField = (status: string, field: string): number => {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)
  return match === null ? Number.NaN : Number(match[1])
}

/** VmRSS and VmHWM of a process, from /proc/<pid>/status. */
export const readMemory = (pid: number): Effect.Effect<Memory> =>
  Effect.promise(() => readFile(`/proc/${pid}/status`, "utf8")).pipe(
    Effect.map((status) => ({
      rssMiB: kibField(status, "VmRSS") / 1024,
      hwmMiB: kibField(status, "VmHWM") / 1024,
    })),
  )

/** The snapshot file is not there yet, or still growing. */
class SnapshotPending extends Data.TaggedError("SnapshotPending")<{}> {}

/**
 * With BENCH_HEAP_SNAPSHOT set, has the controller process write a V8 heap snapshot into
 * that directory (SIGUSR2, see `startControllerProcess`) and waits until the file stops
 * growing; without it, nothing. Taken after the measurements it is for: writing one
 * costs the process memory and CPU of its own.
 */
export const heapSnapshot = (pid: number): Effect.Effect<void> => {
  const dir = process.env.BENCH_HEAP_SNAPSHOT
  if (dir === undefined) return Effect.void
  const snapshots = Effect.promise(async () =>
    (await readdir(dir)).filter((file) => file.endsWith(".heapsnapshot")),
  )
  return Effect.gen(function* () {
    const before = new Set(yield* snapshots)
    process.kill(pid, "SIGUSR2")
    let lastSize = -1
    const written = Effect.gen(function* () {
      const file = (yield* snapshots).find((name) => !before.has(name))
      const size =
        file === undefined ? -1 : (yield* Effect.promise(() => stat(join(dir, file)))).size
      const done = size > 0 && size === lastSize
      lastSize = size
      if (!done) return yield* Effect.fail(new SnapshotPending())
    })
    yield* written.pipe(
      Effect.retry(Schedule.intersect(Schedule.spaced("2 seconds"), Schedule.recurs(90))),
      Effect.orDie,
    )
  })
}

/** RSS of an idle `node -e` on the same Node binary: what any Node process costs. */
export const nodeBaseline: Effect.Effect<Memory> = Effect.scoped(
  Effect.gen(function* () {
    const logFile = join(tmpdir(), `stageset-bench-node-baseline-${process.pid}.log`)
    const proc = yield* Effect.acquireRelease(
      Effect.promise(() =>
        spawnSupervised({
          name: "node-baseline",
          command: process.execPath,
          args: ["-e", "setInterval(() => {}, 60_000)"],
          logFile,
        }),
      ),
      (p) => Effect.promise(() => p.stop().then(() => removeLog(logFile))),
    )
    yield* Effect.sleep("1 second")
    return yield* readMemory(proc.pid)
  }),
)

/** `stageset_kube_api_requests_total` of the process, summed by verb (every code). */
export const processRequests = (metricsUrl: string) =>
  Effect.tryPromise(async () => {
    const text = await (await fetch(metricsUrl)).text()
    const byVerb: Record<string, number> = {}
    for (const line of text.split("\n")) {
      if (!line.startsWith("stageset_kube_api_requests_total{")) continue
      const verb = /verb="([^"]+)"/.exec(line)?.[1] ?? "?"
      const value = Number(line.slice(line.lastIndexOf(" ") + 1))
      if (Number.isFinite(value)) byVerb[verb] = (byVerb[verb] ?? 0) + value
    }
    return byVerb
  }).pipe(Effect.orElseSucceed((): Record<string, number> => ({})))

/** `stageset_reconcile_total` of the process, summed over results. */
export const processReconciles = (metricsUrl: string) =>
  Effect.tryPromise(async () => {
    const text = await (await fetch(metricsUrl)).text()
    let sum = 0
    for (const line of text.split("\n")) {
      if (!line.startsWith("stageset_reconcile_total{")) continue
      const value = Number(line.slice(line.lastIndexOf(" ") + 1))
      if (Number.isFinite(value)) sum += value
    }
    return sum
  }).pipe(Effect.orElseSucceed(() => 0))
