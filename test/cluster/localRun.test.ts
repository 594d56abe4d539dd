import { execFile } from "node:child_process"
import { readFile } from "node:fs/promises"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { isAlive, logTail, spawnSupervised } from "../controlplane/supervised.ts"

const stagesetctl = fileURLToPath(new URL("../../bin/stagesetctl.js", import.meta.url))
const startScript = fileURLToPath(new URL("../../hack/start.ts", import.meta.url))

/**
 * The README's run command without a cluster: it boots its own control plane, installs the
 * CRDs, applies examples/quickstart and reports it Ready; stopping it leaves nothing behind.
 */
describe("npm start (local run)", () => {
  it.live(
    "brings the quickstart to Ready on its own control plane and cleans up on SIGTERM",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const logFile = join(tmpdir(), `stageset-local-run-${process.pid}.log`)
          const proc = yield* Effect.acquireRelease(
            Effect.promise(() => {
              // The child must not see a KUBECONFIG: that is the case under test.
              const { KUBECONFIG: _ignored, ...env } = process.env
              return spawnSupervised({
                name: "npm-start",
                command: process.execPath,
                args: [
                  startScript,
                  // Ports the OS picks when the controller binds: ports chosen here beforehand
                  // could be handed to the control plane this run boots first (a CI failure:
                  // the metrics server's bind failed).
                  "--metrics-bind-address=127.0.0.1:0",
                  "--health-probe-bind-address=127.0.0.1:0",
                ],
                logFile,
                graceSeconds: 20,
                env,
              })
            }),
            (p) => Effect.promise(() => p.stop()),
          )
          const log = () => Effect.promise(() => readFile(logFile, "utf8").catch(() => ""))
          yield* log().pipe(
            Effect.filterOrFail((text) => text.includes("quickstart is Ready")),
            Effect.retry(Schedule.spaced("500 millis").pipe(Schedule.upTo(Duration.minutes(3)))),
            Effect.catchAll(() =>
              Effect.flatMap(
                Effect.promise(() => logTail(logFile, 40)),
                (tail) => Effect.dieMessage(`the quickstart did not become Ready:\n${tail}`),
              ),
            ),
          )
          const text = yield* log()
          expect(text).toMatch(
            /platform=Ready\(2\) config=Ready\(1\) app=Ready\(2\)\s+Ready=True\/Succeeded/,
          )
          const port = Number(/control plane https:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1])
          expect(port).toBeGreaterThan(0)

          // The tour of the README: stagesetctl shows the quickstart against that cluster.
          const kubeconfig = /export KUBECONFIG=(\S+)/.exec(text)?.[1] ?? ""
          const get = yield* Effect.promise(
            () =>
              new Promise<{ code: number | null; out: string }>((resolve) => {
                execFile(
                  process.execPath,
                  [stagesetctl, "get", "-n", "quickstart", `--kubeconfig=${kubeconfig}`],
                  (error, stdout) =>
                    resolve({ code: error === null ? 0 : (error.code as number), out: stdout }),
                )
              }),
          )
          expect(get.code).toBe(0)
          expect(get.out).toMatch(/quickstart\s+True\s+Succeeded\s+hybrid\s+platform\s+Ready\s+2/)

          process.kill(proc.pid, "SIGTERM")
          yield* Effect.suspend(() =>
            isAlive(proc.pid) ? Effect.fail("running") : Effect.void,
          ).pipe(Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds"))))
          // Its control plane went with it: nothing answers on the API server's port.
          const answered = yield* Effect.promise(
            () =>
              new Promise<boolean>((resolve) => {
                const socket = connect(port, "127.0.0.1")
                socket.once("connect", () => {
                  socket.destroy()
                  resolve(true)
                })
                socket.once("error", () => resolve(false))
              }),
          )
          expect(answered).toBe(false)
        }),
      ),
    240_000,
  )
})
