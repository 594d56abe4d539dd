import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, openSync } from "node:fs"
import { readFile, rm } from "node:fs/promises"
import type { Socket } from "node:net"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"

export const supervisorScript = fileURLToPath(new URL("../../hack/supervise.sh", import.meta.url))

/** One component of the control plane, running under hack/supervise.sh. */
export interface Supervised {
  readonly name: string
  /** The component's own pid (etcd, kube-apiserver, ...). */
  readonly pid: number
  /** The bash supervisor's pid. */
  readonly supervisorPid: number
  readonly logFile: string
  /** `undefined` while running, else the supervisor's exit code (the component's, or a signal number + 128). */
  readonly exitCode: () => number | undefined
  /** Closes the supervisor's stdin (SIGTERM, then SIGKILL after the grace period) and waits for both to exit. */
  readonly stop: () => Promise<void>
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but is not ours; still alive.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const waitForExit = (child: ChildProcess, ms: number): Promise<boolean> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(true)
    : new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms)
        child.once("exit", () => {
          clearTimeout(timer)
          resolve(true)
        })
      })

export const spawnSupervised = async (options: {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly logFile: string
  readonly graceSeconds?: number
  /** The child's environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv
}): Promise<Supervised> => {
  const pidFile = `${options.logFile}.pid`
  const grace = options.graceSeconds ?? 10
  // A restart reuses the log file name: never read the previous run's pid.
  await rm(pidFile, { force: true })
  // Output goes straight to a file: no pipe whose buffer could fill up and stall the component.
  const log = openSync(options.logFile, "a")
  const child = spawn("bash", [supervisorScript, String(grace), options.command, ...options.args], {
    stdio: ["pipe", log, log],
    env: { ...(options.env ?? process.env), SUPERVISE_PID_FILE: pidFile },
  })
  closeSync(log)
  // Neither the child nor the pipe keeps the test process alive; when this
  // process goes away, the OS closes the pipe and the supervisor cleans up.
  child.unref()
  ;(child.stdin as unknown as Socket).unref()
  const supervisorPid = child.pid
  if (supervisorPid === undefined)
    throw new Error(`${options.name}: could not spawn the supervisor`)
  let exitCode: number | undefined
  child.once("exit", (code, signal) => {
    exitCode = code ?? 128
    if (signal !== null) exitCode = 128
  })
  let pid = 0
  for (let i = 0; i < 200 && pid === 0; i++) {
    pid = Number.parseInt(await readFile(pidFile, "utf8").catch(() => ""), 10) || 0
    if (pid === 0) {
      if (exitCode !== undefined)
        throw new Error(`${options.name}: exited at once (code ${exitCode})`)
      await sleep(10)
    }
  }
  if (pid === 0) throw new Error(`${options.name}: supervisor did not report a pid`)
  const stop = async () => {
    child.stdin?.end()
    if (await waitForExit(child, (grace + 5) * 1000)) return
    // The supervisor itself is stuck: take both down hard.
    for (const p of [pid, supervisorPid]) if (isAlive(p)) process.kill(p, "SIGKILL")
    await waitForExit(child, 5000)
  }
  return {
    name: options.name,
    pid,
    supervisorPid,
    logFile: options.logFile,
    exitCode: () => exitCode,
    stop,
  }
}

/** The last lines of a component's log, for error messages. */
export const logTail = async (file: string, lines = 30): Promise<string> => {
  const text = await readFile(file, "utf8").catch(() => "")
  return text.split("\n").slice(-lines).join("\n")
}
