import { randomUUID } from "node:crypto"
import { readFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Duration, Effect, Schedule, type Scope } from "effect"
import { inject } from "vitest"
import type { KubeClient } from "../../../src/kube/KubeClient.ts"
import { statusOf } from "../../acceptance/harness/fixtures.ts"
import { isAlive, logTail, spawnSupervised } from "../../controlplane/supervised.ts"
import { eventually, LiveKubeClient } from "../support.ts"

/** Runs a test body against the test cluster, as a promise for a plain vitest `it`. */
export const runLive = <A, E>(body: Effect.Effect<A, E, KubeClient | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(body, LiveKubeClient)))

/** A StageSet's Ready condition once a reconcile has settled it (no longer Progressing). */
export const settledReady = (namespace: string, name: string) =>
  eventually(
    Effect.flatMap(statusOf(namespace, name), (status) => {
      const ready = status?.conditions?.find((c) => c.type === "Ready")
      return ready === undefined || ready.reason === "Progressing"
        ? Effect.fail(new Error(`no outcome yet: ${JSON.stringify(ready)}`))
        : Effect.succeed(ready)
    }),
  )

const mainScript = fileURLToPath(new URL("../../../src/main.ts", import.meta.url))

/** A controller process (`node src/main.ts`) against the test cluster. */
export interface ControllerProcess {
  readonly pid: number
  readonly metricsUrl: string
  readonly healthUrl: string
  readonly logFile: string
  /** The process's log so far (JSON lines). */
  readonly log: Effect.Effect<string>
  /** SIGKILL: no finalizer runs, like a node failure or an OOM kill. */
  readonly kill: Effect.Effect<void>
  /** SIGTERM, then wait for the exit; returns the exit code. */
  readonly terminate: Effect.Effect<number | undefined>
  readonly exitCode: () => number | undefined
}

/** The URL the process's log says an endpoint listens on (`<name> listening`, at info). */
const listeningUrl = (log: string, name: string): string | undefined => {
  const line = log.split("\n").find((l) => l.includes(`${name} listening`))
  return line === undefined ? undefined : /http:\/\/127\.0\.0\.1:\d+/.exec(line)?.[0]
}

/**
 * The metrics and probe URLs of a process started with port 0, once it logged both; a
 * process that exits first (refused flags) gets URLs nothing answers on.
 */
const boundUrls = (logFile: string, pid: number) =>
  Effect.promise(() => readFile(logFile, "utf8").catch(() => "")).pipe(
    Effect.flatMap((log) => {
      const metrics = listeningUrl(log, "metrics endpoint")
      const health = listeningUrl(log, "health probes")
      if (metrics !== undefined && health !== undefined) return Effect.succeed({ metrics, health })
      if (!isAlive(pid)) return Effect.succeed({ metrics: CLOSED, health: CLOSED })
      return Effect.fail("not listening yet" as const)
    }),
    Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("60 seconds"))),
    Effect.catchAll(() =>
      Effect.flatMap(
        Effect.promise(() => logTail(logFile, 40)),
        (tail) => Effect.dieMessage(`the controller did not listen within 60 s; its log:\n${tail}`),
      ),
    ),
  )
const CLOSED = "http://127.0.0.1:0"

/**
 * Starts the controller binary exactly as the container does, under the harness
 * supervisor so it cannot outlive the test process. Stopped when the scope closes.
 */
export const startController = (
  args: ReadonlyArray<string> = [],
  /** Another kubeconfig than the run's admin one, e.g. a ServiceAccount's. */
  kubeconfig: string = inject("kubeconfig"),
): Effect.Effect<ControllerProcess, never, Scope.Scope> =>
  Effect.gen(function* () {
    // Unique per process: every test file re-imports this module in the same worker, so a
    // per-module counter repeats, and a second process would append to the first's log.
    const logFile = join(tmpdir(), `stageset-controller-${process.pid}-${randomUUID()}.log`)
    const proc = yield* Effect.acquireRelease(
      Effect.promise(() =>
        spawnSupervised({
          name: "stageset-controller",
          command: process.execPath,
          args: [
            mainScript,
            `--kubeconfig=${kubeconfig}`,
            // Ports the OS picks as the process binds (read back from its log below). Ports
            // chosen here first could be taken before the child binds them (by a control
            // plane another test file boots, or a connection's local port).
            "--metrics-bind-address=127.0.0.1:0",
            "--health-probe-bind-address=127.0.0.1:0",
            "--log-level=debug",
            ...args,
          ],
          logFile,
          graceSeconds: 15,
        }),
      ),
      (p) => Effect.promise(() => p.stop()),
    )
    const waitExit = Effect.suspend(() =>
      isAlive(proc.pid) ? Effect.fail("running" as const) : Effect.void,
    ).pipe(
      Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("30 seconds"))),
      Effect.ignore,
    )
    const bound = yield* boundUrls(logFile, proc.pid)
    const healthUrl = bound.health
    return {
      pid: proc.pid,
      metricsUrl: `${bound.metrics}/metrics`,
      healthUrl,
      logFile,
      log: Effect.promise(() => readFile(logFile, "utf8").catch(() => "")),
      kill: Effect.sync(() => {
        if (isAlive(proc.pid)) process.kill(proc.pid, "SIGKILL")
      }).pipe(Effect.zipRight(waitExit)),
      terminate: Effect.sync(() => {
        if (isAlive(proc.pid)) process.kill(proc.pid, "SIGTERM")
      }).pipe(
        Effect.zipRight(waitExit),
        // The supervisor reports the exit code once it reaped the child.
        Effect.zipRight(
          Effect.suspend(() =>
            proc.exitCode() === undefined ? Effect.fail("no code yet" as const) : Effect.void,
          ).pipe(
            Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("5 seconds"))),
            Effect.ignore,
          ),
        ),
        Effect.map(() => proc.exitCode()),
      ),
      exitCode: proc.exitCode,
    } satisfies ControllerProcess
  })

/** GET a URL of the process; fails until it answers (the process is still starting). */
export const httpGet = (url: string) =>
  Effect.tryPromise(async () => {
    const response = await fetch(url)
    return { status: response.status, body: await response.text() }
  })

/** Waits until the process serves /healthz, or fails with its log tail. */
export const waitHealthy = (proc: ControllerProcess) =>
  httpGet(`${proc.healthUrl}/healthz`).pipe(
    Effect.filterOrFail((r) => r.status === 200),
    Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo(Duration.seconds(30)))),
    Effect.catchAll(() =>
      Effect.flatMap(
        Effect.promise(() => logTail(proc.logFile, 40)),
        (tail) => Effect.dieMessage(`the controller did not become healthy; its log:\n${tail}`),
      ),
    ),
  )
