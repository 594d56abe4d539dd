import { spawn } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { describe, expect, inject, it } from "vitest"
import { isAlive, spawnSupervised, supervisorScript } from "../controlplane/supervised.ts"

const waitUntil = async (condition: () => boolean | Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await condition()) return true
    await sleep(50)
  }
  return false
}

describe("control plane harness", () => {
  it("the shared control plane's processes are running", () => {
    // Empty when STAGESET_TEST_KUBECONFIG names another cluster.
    for (const pid of inject("controlPlanePids")) expect(isAlive(pid)).toBe(true)
  })

  it("stop() ends a supervised process; a process that exits reports its code", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stageset-supervise-"))
    try {
      const sleeper = await spawnSupervised({
        name: "sleep",
        command: "sleep",
        args: ["300"],
        logFile: join(dir, "sleep.log"),
        graceSeconds: 2,
      })
      expect(isAlive(sleeper.pid)).toBe(true)
      await sleeper.stop()
      expect(isAlive(sleeper.pid)).toBe(false)
      expect(isAlive(sleeper.supervisorPid)).toBe(false)

      const quitter = await spawnSupervised({
        name: "exit3",
        command: "bash",
        args: ["-c", "sleep 0.2; exit 3"],
        logFile: join(dir, "exit3.log"),
      })
      expect(await waitUntil(() => quitter.exitCode() !== undefined, 5000)).toBe(true)
      expect(quitter.exitCode()).toBe(3)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("a supervised process dies with its parent, even when the parent is SIGKILLed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stageset-supervise-"))
    const pidFile = join(dir, "child.pid")
    try {
      // A stand-in for a crashing test process: it starts a supervised `sleep` and hangs.
      const parent = spawn(
        process.execPath,
        [
          "-e",
          `require("node:child_process").spawn("bash", [${JSON.stringify(supervisorScript)}, "2", "sleep", "300"], { stdio: ["pipe", "ignore", "ignore"] }); setInterval(() => {}, 1000)`,
        ],
        { stdio: "ignore", env: { ...process.env, SUPERVISE_PID_FILE: pidFile } },
      )
      let child = 0
      await waitUntil(async () => {
        child = Number.parseInt(await readFile(pidFile, "utf8").catch(() => ""), 10) || 0
        return child > 0
      }, 5000)
      expect(isAlive(child)).toBe(true)
      parent.kill("SIGKILL")
      expect(await waitUntil(() => !isAlive(child), 5000)).toBe(true)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
