import { readFile } from "node:fs/promises"
import { availableParallelism } from "node:os"
import { Effect } from "effect"
import { runCommand } from "./subjects.ts"

/** A process whose CPU time a window measures: a control plane component or the controller. */
export interface CpuProcess {
  readonly name: string
  readonly pid: number
}

/** CPU consumed over one measured window (from `startCpuWindow` to its `stop`). */
export interface CpuUsage {
  readonly wallSeconds: number
  /** utime + stime per process (the harness's own from process.cpuUsage()). */
  readonly cpuSeconds: Readonly<Record<string, number>>
  readonly totalCpuSeconds: number
  readonly cores: number
  /** totalCpuSeconds / (cores x wallSeconds): how much of the machine these processes used. */
  readonly utilisation: number
  /**
   * Every process on the machine (/proc/stat, busy = all but idle and iowait) over the same
   * window, as a share of all cores: above `utilisation` means someone else (another
   * benchmark, a build) was competing for the cores.
   */
  readonly machineUtilisation: number
}

export const HARNESS = "bench harness"
/** Commands the harness ran and reaped inside the window (kubectl, kpt); omitted from the note when 0. */
export const HARNESS_CHILDREN = "harness children"

/** USER_HZ, the unit of /proc/<pid>/stat and /proc/stat times; asked once (practically always 100). */
let clockTicks: number | undefined
const ticksPerSecond: Effect.Effect<number> = Effect.suspend(() =>
  clockTicks !== undefined
    ? Effect.succeed(clockTicks)
    : Effect.map(runCommand("getconf", ["CLK_TCK"]), (r) => {
        const parsed = Number.parseInt(r.output.trim(), 10)
        clockTicks = r.code === 0 && parsed > 0 ? parsed : 100
        return clockTicks
      }),
)

/**
 * utime + stime of a process in ticks (or, with `children`, cutime + cstime: its children
 * that have exited and been waited for), undefined when it is gone. The command name (field
 * 2) is in parentheses and may contain spaces, so the fields are counted after the last ")":
 * state is field 3 there, utime 14, stime 15, cutime 16, cstime 17.
 */
const processTicks = (pid: number, children = false): Effect.Effect<number | undefined> =>
  Effect.promise(() =>
    readFile(`/proc/${pid}/stat`, "utf8").then(
      (stat) => {
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        const first = children ? 16 : 14
        return Number(fields[first - 3]) + Number(fields[first + 1 - 3])
      },
      () => undefined,
    ),
  )

/** Busy and total ticks over all cores, from the first line of /proc/stat. */
const machineTicks: Effect.Effect<{ readonly busy: number; readonly total: number }> =
  Effect.promise(() =>
    readFile("/proc/stat", "utf8").then(
      (stat) => {
        // cpu user nice system idle iowait irq softirq steal (guest time is inside user).
        const values = (stat.split("\n")[0] ?? "").trim().split(/\s+/).slice(1, 9).map(Number)
        const total = values.reduce((a, b) => a + b, 0)
        return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total }
      },
      () => ({ busy: Number.NaN, total: Number.NaN }),
    ),
  )

/**
 * Starts measuring the CPU time of `processes` and of this process; the returned effect
 * stops the window and reports. A process that exits inside the window reports NaN (its
 * ticks are gone with it) rather than a wrong number.
 */
export const startCpuWindow = (
  processes: ReadonlyArray<CpuProcess>,
): Effect.Effect<Effect.Effect<CpuUsage>> =>
  Effect.gen(function* () {
    const hz = yield* ticksPerSecond
    const sample = Effect.all({
      perProcess: Effect.forEach(processes, (p) => processTicks(p.pid)),
      machine: machineTicks,
      harness: Effect.sync(() => process.cpuUsage()),
      children: processTicks(process.pid, true),
      wall: Effect.sync(() => performance.now()),
    })
    const before = yield* sample
    return Effect.map(sample, (after): CpuUsage => {
      const cpuSeconds: Record<string, number> = {}
      processes.forEach((p, i) => {
        const [t0, t1] = [before.perProcess[i], after.perProcess[i]]
        cpuSeconds[p.name] = t0 === undefined || t1 === undefined ? Number.NaN : (t1 - t0) / hz
      })
      const harness = process.cpuUsage(before.harness)
      cpuSeconds[HARNESS] = (harness.user + harness.system) / 1e6
      cpuSeconds[HARNESS_CHILDREN] = ((after.children ?? 0) - (before.children ?? 0)) / hz
      const wallSeconds = (after.wall - before.wall) / 1000
      const totalCpuSeconds = Object.values(cpuSeconds).reduce((a, b) => a + b, 0)
      const cores = availableParallelism()
      return {
        wallSeconds,
        cpuSeconds,
        totalCpuSeconds,
        cores,
        utilisation: totalCpuSeconds / (cores * wallSeconds),
        machineUtilisation:
          (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total),
      }
    })
  })

/**
 * One line for the notes, e.g. "controller 5.1 CPU-s, kube-apiserver 7.9, etcd 1.2, ... =
 * 14.2 CPU-s = 93 % of 2 cores over 7.4 s (machine 97 % busy)".
 */
export const describeCpu = (usage: CpuUsage): string => {
  const parts = Object.entries(usage.cpuSeconds)
    .filter(([name, seconds]) => name !== HARNESS_CHILDREN || seconds > 0)
    .map(([name, seconds], i) => `${name} ${seconds.toFixed(1)}${i === 0 ? " CPU-s" : ""}`)
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`
  return `${parts.join(", ")} = ${usage.totalCpuSeconds.toFixed(1)} CPU-s = ${pct(usage.utilisation)} of ${usage.cores} cores over ${usage.wallSeconds.toFixed(1)} s (machine ${pct(usage.machineUtilisation)} busy)`
}

/** Runs `effect` inside a CPU window over `processes` (and the harness). */
export const withCpu = <A, E, R>(
  processes: ReadonlyArray<CpuProcess>,
  effect: Effect.Effect<A, E, R>,
): Effect.Effect<readonly [A, CpuUsage], E, R> =>
  Effect.flatMap(startCpuWindow(processes), (stop) =>
    Effect.flatMap(effect, (a) => Effect.map(stop, (usage) => [a, usage] as const)),
  )

/** Several windows as one (CPU and wall seconds added up), for a note over the repetitions. */
export const sumCpu = (usages: ReadonlyArray<CpuUsage>): CpuUsage => {
  const add = (pick: (u: CpuUsage) => number) => usages.reduce((a, u) => a + pick(u), 0)
  const cpuSeconds: Record<string, number> = {}
  for (const u of usages)
    for (const [name, seconds] of Object.entries(u.cpuSeconds))
      cpuSeconds[name] = (cpuSeconds[name] ?? 0) + seconds
  const wallSeconds = add((u) => u.wallSeconds)
  const totalCpuSeconds = add((u) => u.totalCpuSeconds)
  const cores = usages[0]?.cores ?? availableParallelism()
  return {
    wallSeconds,
    cpuSeconds,
    totalCpuSeconds,
    cores,
    utilisation: totalCpuSeconds / (cores * wallSeconds),
    // Weighted by wall time, as the windows are.
    machineUtilisation: add((u) => u.machineUtilisation * u.wallSeconds) / wallSeconds,
  }
}
