import { spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule, type Scope } from "effect"
import { beforeAll, inject } from "vitest"
import { parseAllDocuments } from "yaml"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import {
  API_VERSION,
  RECONCILE_REQUESTED_AT,
  RECONCILE_STAGE,
} from "../../../src/inventory/Labels.ts"
import type { KubeClient } from "../../../src/kube/KubeClient.ts"
import { reconcileStageSet } from "../../../src/programs/reconcileStageSet.ts"
import { scenarioLayer } from "../../acceptance/harness/Env.ts"
import {
  configMap,
  createNamespace,
  getObject,
  setSource,
  setStageSet,
  uniqueName,
  yamlOf,
} from "../../acceptance/harness/fixtures.ts"
import { installCrds } from "../../acceptance/harness/installCrds.ts"
import { LiveKubeClient } from "../support.ts"

/** stagesetctl as users run it (`bin/stagesetctl.js`, Node's type stripping) against the test cluster. */

const bin = fileURLToPath(new URL("../../../bin/stagesetctl.js", import.meta.url))

interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const cli = (args: ReadonlyArray<string>, withKubeconfig = true): Effect.Effect<CliResult> =>
  Effect.async<CliResult>((resume) => {
    const child = spawn(
      process.execPath,
      [bin, ...args, ...(withKubeconfig ? ["--kubeconfig", inject("kubeconfig")] : [])],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk)
    })
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk)
    })
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => {
      child.kill("SIGKILL")
    })
  })

const run = <A, E>(body: Effect.Effect<A, E, KubeClient | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(body, LiveKubeClient)))

const reconcileWith = (mode: InventoryMode, namespace: string, name: string) =>
  reconcileStageSet({ namespace, name }).pipe(
    Effect.provide(scenarioLayer(LiveKubeClient, { mode })),
  )

const stageSetOf = (namespace: string, name: string) =>
  getObject({ apiVersion: API_VERSION, kind: "StageSet", namespace, name })

/** A namespace with a two-stage StageSet `ss` reconciled to Ready in `mode`. */
const readyStageSet = (mode: InventoryMode) =>
  Effect.gen(function* () {
    const ns = uniqueName("cli")
    yield* createNamespace(ns)
    yield* setSource(ns, "src-one", { "one.yaml": yamlOf([configMap("a1"), configMap("a2")]) })
    yield* setSource(ns, "src-two", { "two.yaml": yamlOf([configMap("b1")]) })
    yield* setStageSet(ns, "ss", [
      { name: "one", source: "src-one" },
      { name: "two", source: "src-two" },
    ])
    yield* reconcileWith(mode, ns, "ss")
    return ns
  })

beforeAll(() => run(installCrds), 120_000)

describe("stagesetctl", () => {
  it("get shows Ready, reason, mode and each stage; -o json parses; -A lists namespaces", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const table = yield* cli(["get", "-n", ns])
        expect(table.stderr).toBe("")
        expect(table.code).toBe(0)
        const lines = table.stdout.trim().split("\n")
        expect(lines[0]).toMatch(
          /^NAME\s+READY\s+REASON\s+MODE\s+STAGE\s+PHASE\s+ENTRIES\s+SHARDS$/,
        )
        expect(lines[1]?.split(/\s+/)).toEqual([
          "ss",
          "True",
          "Succeeded",
          "hybrid",
          "one",
          "Ready",
          "2",
          "1",
        ])
        expect(lines[2]?.split(/\s+/)).toEqual([
          "ss",
          "True",
          "Succeeded",
          "hybrid",
          "two",
          "Ready",
          "1",
          "1",
        ])

        const json = yield* cli(["get", "ss", "-n", ns, "-o", "json"])
        expect(json.code).toBe(0)
        const object = JSON.parse(json.stdout)
        expect(object.metadata.name).toBe("ss")
        expect(object.status.inventoryMode).toBe("hybrid")

        const all = yield* cli(["get", "-A"])
        expect(all.code).toBe(0)
        expect(all.stdout).toMatch(new RegExp(`^${ns}\\s+ss\\s+True`, "m"))
      }),
    ))

  it("a missing StageSet exits 1 with a clear message", () =>
    run(
      Effect.gen(function* () {
        const ns = uniqueName("cli")
        yield* createNamespace(ns)
        const result = yield* cli(["get", "nope", "-n", ns])
        expect(result.code).toBe(1)
        expect(result.stderr).toContain(`stageset "nope" not found in namespace "${ns}"`)
        const inventory = yield* cli(["inventory", "nope", "-n", ns])
        expect(inventory.code).toBe(1)
        expect(inventory.stderr).toContain(`stageset "nope" not found in namespace "${ns}"`)
      }),
    ))

  it("an unusable cluster or a usage error exits with a clear message", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const noFile = yield* cli(["get", "--kubeconfig", "/nonexistent/kubeconfig"], false)
        expect(noFile.code).toBe(1)
        expect(noFile.stderr).toContain("cannot use the kubeconfig")

        const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "stagesetctl-")))
        const refused = join(dir, "kubeconfig")
        yield* Effect.promise(() =>
          writeFile(
            refused,
            [
              "apiVersion: v1",
              "kind: Config",
              "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
              "users: [{name: u, user: {token: t}}]",
              "contexts: [{name: x, context: {cluster: c, user: u}}]",
              "current-context: x",
            ].join("\n"),
          ),
        )
        const down = yield* cli(["get", "--kubeconfig", refused], false)
        yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
        expect(down.code).toBe(1)
        expect(down.stderr).toContain("cannot reach the cluster at https://127.0.0.1:1")

        const usage = yield* cli(["reconcile"])
        expect(usage.code).toBe(2)
      }),
    ))

  it("inventory decodes the recorded entries and shows the shard layout", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const result = yield* cli(["inventory", "ss", "-n", ns])
        expect(result.stderr).toBe("")
        expect(result.code).toBe(0)
        expect(result.stdout).toContain("Stage one: 2 entries in 1 shard(s)")
        expect(result.stdout).toMatch(/^ss-one-0\s+2$/m)
        expect(result.stdout).toMatch(
          new RegExp(`^ss-one-0\\s+v1\\s+ConfigMap\\s+${ns}\\s+a1$`, "m"),
        )
        expect(result.stdout).toMatch(
          new RegExp(`^ss-one-0\\s+v1\\s+ConfigMap\\s+${ns}\\s+a2$`, "m"),
        )
        expect(result.stdout).toMatch(
          new RegExp(`^ss-two-0\\s+v1\\s+ConfigMap\\s+${ns}\\s+b1$`, "m"),
        )

        const one = yield* cli(["inventory", "ss", "-n", ns, "--stage", "two", "-o", "json"])
        expect(one.code).toBe(0)
        const parsed = JSON.parse(one.stdout)
        expect(parsed.stages).toHaveLength(1)
        expect(parsed.stages[0].entries.map((e: { name: string }) => e.name)).toEqual(["b1"])
        expect(parsed.stages[0].shards).toEqual([{ name: "ss-two-0", index: 0, entries: 1 }])
      }),
    ))

  it("inventory in applyset mode lists the entries (every mode keeps them) and shows the ApplySet", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("applyset")
        const result = yield* cli(["inventory", "ss", "-n", ns, "--stage", "one"])
        expect(result.code).toBe(0)
        expect(result.stdout).toContain("Stage one: 2 entries in 1 shard(s), applyset mode")
        expect(result.stdout).toMatch(/ss-one-0\s+v1\s+ConfigMap\s+\S+\s+a1/)
        expect(result.stdout).toMatch(/ApplySet id: applyset-\S+/)
        expect(result.stdout).toContain("Contains group kinds: ConfigMap")
      }),
    ))

  it("suspend and resume set spec.suspend", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const suspended = yield* cli(["suspend", "ss", "-n", ns])
        expect(suspended.code).toBe(0)
        const after = yield* stageSetOf(ns, "ss")
        expect((after?.spec as { suspend?: boolean } | undefined)?.suspend).toBe(true)
        const table = yield* cli(["get", "-n", ns])
        expect(table.stdout).toContain("(suspended)")
        const resumed = yield* cli(["resume", "ss", "-n", ns])
        expect(resumed.code).toBe(0)
        const back = yield* stageSetOf(ns, "ss")
        expect((back?.spec as { suspend?: boolean } | undefined)?.suspend).toBe(false)
      }),
    ))

  it("reconcile sets the annotations; --wait returns 0 once the reconcile handled it", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const plain = yield* cli(["reconcile", "ss", "-n", ns, "--stage", "two"])
        expect(plain.code).toBe(0)
        const annotated = yield* stageSetOf(ns, "ss")
        const token = annotated?.metadata.annotations?.[RECONCILE_REQUESTED_AT] ?? ""
        expect(Number.isNaN(Date.parse(token))).toBe(false)
        expect(annotated?.metadata.annotations?.[RECONCILE_STAGE]).toBe("two")

        const unknownStage = yield* cli(["reconcile", "ss", "-n", ns, "--stage", "nope"])
        expect(unknownStage.code).toBe(1)
        expect(unknownStage.stderr).toContain('no stage "nope"')

        // --wait: the CLI requests, this test plays the controller.
        const waiting = yield* Effect.fork(
          cli(["reconcile", "ss", "-n", ns, "--wait", "--timeout", "60s"]),
        )
        yield* stageSetOf(ns, "ss").pipe(
          Effect.filterOrFail((o) => o?.metadata.annotations?.[RECONCILE_REQUESTED_AT] !== token),
          Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds"))),
        )
        yield* reconcileWith("hybrid", ns, "ss")
        const waited = yield* Fiber.join(waiting)
        expect(waited.stderr).toBe("")
        expect(waited.code).toBe(0)
        expect(waited.stdout).toContain('stageset "ss" is Ready')
      }),
    ))

  it("reconcile --wait exits 1 when the timeout passes", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const result = yield* cli(["reconcile", "ss", "-n", ns, "--wait", "--timeout", "2s"])
        expect(result.code).toBe(1)
        expect(result.stderr).toContain("timed out after 2s")
      }),
    ))

  it("schema export prints the two CRDs", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const result = yield* cli(["schema", "export"], false)
        expect(result.code).toBe(0)
        const docs = parseAllDocuments(result.stdout).map((d) => d.toJS())
        expect(docs.map((d) => [d.kind, d.metadata.name])).toEqual([
          ["CustomResourceDefinition", "stagesets.stages.metio.wtf"],
          ["CustomResourceDefinition", "stageinventories.stages.metio.wtf"],
        ])
      }),
    ))

  it("build renders a directory with entry ids; a broken file fails naming it", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "stagesetctl-build-")))
        yield* Effect.promise(() =>
          Promise.all([
            writeFile(join(dir, "b.yaml"), yamlOf([configMap("second")])),
            writeFile(
              join(dir, "a.yml"),
              yamlOf([
                { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } },
                configMap("first"),
              ]),
            ),
            writeFile(join(dir, "notes.txt"), "not a manifest"),
          ]),
        )
        const ok = yield* cli(["build", dir, "-n", "apps"], false)
        expect(ok.stderr).toBe("")
        expect(ok.code).toBe(0)
        const ids = [...ok.stdout.matchAll(/^# (\S+)/gm)].map((m) => m[1])
        expect(ids).toEqual(["_apps__Namespace", "apps_first__ConfigMap", "apps_second__ConfigMap"])
        const docs = parseAllDocuments(ok.stdout).map((d) => d.toJS())
        expect(docs.map((d) => d.metadata.name)).toEqual(["apps", "first", "second"])

        yield* Effect.promise(() =>
          writeFile(join(dir, "c.yaml"), "kind: ConfigMap\n  bad: [indent\n"),
        )
        const broken = yield* cli(["build", dir], false)
        yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
        expect(broken.code).toBe(1)
        expect(broken.stderr).toContain(`${join(dir, "c.yaml")} document 0`)
      }),
    ))

  it("diff exits 0 without changes, 1 with changes (configure, create, delete), 2 on error", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const same = yield* cli(["diff", "ss", "-n", ns])
        expect(same.stderr).toBe("")
        expect(same.code).toBe(0)
        expect(same.stdout).toContain("no changes")

        yield* setSource(ns, "src-one", {
          "one.yaml": yamlOf([configMap("a1", { key: "changed" }), configMap("a3")]),
        })
        const changed = yield* cli(["diff", "ss", "-n", ns])
        expect(changed.stderr).toBe("")
        expect(changed.code).toBe(1)
        expect(changed.stdout).toContain(`~ configure v1 ConfigMap ${ns}/a1 [stage one] (data.key)`)
        expect(changed.stdout).toContain(`+ create v1 ConfigMap ${ns}/a3 [stage one]`)
        expect(changed.stdout).toContain(`- delete v1 ConfigMap ${ns}/a2 [stage one]`)
        expect(changed.stdout).not.toContain("stage two")

        const missing = yield* cli(["diff", "nope", "-n", ns])
        expect(missing.code).toBe(2)
        expect(missing.stderr).toContain(`stageset "nope" not found in namespace "${ns}"`)
      }),
    ))
})
