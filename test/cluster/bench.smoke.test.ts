import { spawn } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startControlPlane } from "../controlplane/ControlPlane.ts"

/**
 * The benchmark harness (bench/run.ts, `npm run bench`) runs end to end at `--tiny` sizes
 * against the test cluster and reports a finite number for every row of B1-B11, Flux
 * kustomize-controller's rows in B1 and B2 (hack/build-flux.sh, which .ci/run runs) and
 * the 1 % prune among them. Only that: benchmarks are not tests, so no timing is asserted.
 * On a control plane of its own: the shared one carries what every earlier test left
 * behind (hundreds of StageSets, whose renders each prune's hand-over check pays for), which
 * says nothing about the harness and once made this run twice as long. B9 and B10 add
 * about a minute each at `--tiny` (a controller process, a 200-object StageSet; a dozen
 * stagesetctl and kubectl processes), hence the six minutes.
 */

const runScript = fileURLToPath(new URL("../../bench/run.ts", import.meta.url))

interface Report {
  readonly machine: Readonly<Record<string, unknown>>
  readonly benchmarks: ReadonlyArray<{
    readonly id: string
    readonly error?: string
    readonly rows: ReadonlyArray<{
      readonly workload: string
      readonly subject: string
      readonly samples: ReadonlyArray<number>
      readonly median: number
    }>
  }>
}

const run = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [runScript, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-20_000)
    }
    child.stdout.on("data", keep)
    child.stderr.on("data", keep)
    child.once("error", reject)
    child.once("close", (code) => resolve({ code, output }))
  })

let dir: string | undefined
const scope = Effect.runSync(Scope.make())
let kubeconfig = ""

beforeAll(async () => {
  const plane = await Effect.runPromise(
    Scope.extend(startControlPlane({ allowExternal: false }), scope),
  )
  kubeconfig = plane.kubeconfigPath
}, 120_000)

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  await Effect.runPromise(Scope.close(scope, Exit.void))
}, 60_000)

describe("npm run bench -- --tiny", () => {
  it("measures every benchmark (B1-B11) with finite numbers", async () => {
    dir = await mkdtemp(join(tmpdir(), "stageset-bench-smoke-"))
    const out = join(dir, "results.json")
    const { code, output } = await run([
      "--tiny",
      "--reps",
      "1",
      "--kubeconfig",
      kubeconfig,
      "--out",
      out,
    ])
    expect(code, output).toBe(0)
    const report = JSON.parse(await readFile(out, "utf8")) as Report
    expect(report.machine.cpus).toBeGreaterThan(0)
    expect(report.benchmarks.map((b) => b.id)).toEqual([
      "B1",
      "B2",
      "B3",
      "B4",
      "B5",
      "B6",
      "B7",
      "B8",
      "B9",
      "B10",
      "B11",
    ])
    for (const bench of report.benchmarks) {
      expect(bench.error, `${bench.id} failed`).toBeUndefined()
      expect(bench.rows.length, `${bench.id} has no rows`).toBeGreaterThan(0)
      for (const row of bench.rows) {
        const what = `${bench.id} ${row.workload} / ${row.subject}`
        expect(row.samples.length, what).toBeGreaterThan(0)
        for (const sample of row.samples) expect(Number.isFinite(sample), what).toBe(true)
        expect(Number.isFinite(row.median), what).toBe(true)
      }
    }
    const subjects = (id: string, workload: string) =>
      (report.benchmarks.find((b) => b.id === id)?.rows ?? [])
        .filter((r) => r.workload.startsWith(workload))
        .map((r) => r.subject)
    expect(subjects("B1", "first apply")).toContain("Flux kustomize-controller")
    expect(subjects("B2", "no-op reconcile")).toContain("Flux kustomize-controller")
    // A restart with nothing changed sends no write to a member.
    const restartWrites = report.benchmarks
      .find((b) => b.id === "B8")
      ?.rows.find((r) => r.subject === "controller: member writes after restart")
    expect(restartWrites?.samples).toEqual([0])
    expect(subjects("B2", "prune 1 %")).toEqual(
      expect.arrayContaining(["controller", "Flux kustomize-controller"]),
    )
  }, 360_000)
})
