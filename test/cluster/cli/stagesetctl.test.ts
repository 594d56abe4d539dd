import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import { beforeAll } from "vitest"
import { parseAllDocuments } from "yaml"
import { RECONCILE_REQUESTED_AT, RECONCILE_STAGE } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { createNamespace, uniqueName } from "../../acceptance/harness/fixtures.ts"
import { installCrds } from "../../acceptance/harness/installCrds.ts"
import { cli, readyStageSet, reconcileWith, run, stageSetOf } from "./harness.ts"

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

  it("get NAME shows one StageSet in detail; -l selects by label; a name with -A is a usage error", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const detail = yield* cli(["get", "ss", "-n", ns])
        expect(detail.stderr).toBe("")
        expect(detail.code).toBe(0)
        const line = (label: string) =>
          detail.stdout
            .split("\n")
            .find((l) => l.startsWith(`${label}:`))
            ?.slice(label.length + 1)
            .trim()
        expect(line("Name")).toBe("ss")
        expect(line("Namespace")).toBe(ns)
        expect(line("Ready")).toBe("True (Succeeded)")
        expect(line("Message")).toBe("2 stages applied")
        expect(line("Inventory mode")).toBe("hybrid")
        expect(line("Version")).toBe("-")
        expect(detail.stdout).toMatch(
          /^\s+NAME\s+PHASE\s+REVISION\s+ENTRIES\s+SHARDS\s+LAST HANDLED$/m,
        )
        expect(detail.stdout).toMatch(/^\s+one\s+Ready\s+sha256:[0-9a-f]{12}\s+2\s+1\s+-$/m)
        expect(detail.stdout).toMatch(/^\s+two\s+Ready\s+sha256:[0-9a-f]{12}\s+1\s+1\s+-$/m)

        const kube = yield* KubeClient
        const live = yield* stageSetOf(ns, "ss")
        yield* kube.update({
          ...live!,
          metadata: { ...live!.metadata, labels: { team: "payments" } },
        })
        const selected = yield* cli(["get", "-A", "-l", `team=payments`, "-o", "json"])
        expect(selected.code).toBe(0)
        const names = JSON.parse(selected.stdout).items.map(
          (o: { metadata: { namespace: string } }) => o.metadata.namespace,
        )
        expect(names).toContain(ns)
        const none = yield* cli(["get", "-n", ns, "-l", "team=other"])
        expect(none.code).toBe(0)
        expect(none.stderr).toContain("No StageSets found")
        const badSelector = yield* cli(["get", "-n", ns, "-l", "team in (x"])
        expect(badSelector.code).toBe(2)

        const both = yield* cli(["get", "ss", "-A"])
        expect(both.code).toBe(2)
        expect(both.stderr).toContain("-A/--all-namespaces")
      }),
    ))

  it("a missing StageSet exits 3 with a clear message", () =>
    run(
      Effect.gen(function* () {
        const ns = uniqueName("cli")
        yield* createNamespace(ns)
        const result = yield* cli(["get", "nope", "-n", ns])
        expect(result.code).toBe(3)
        expect(result.stderr).toContain(`stageset "nope" not found in namespace "${ns}"`)
        const inventory = yield* cli(["inventory", "nope", "-n", ns])
        expect(inventory.code).toBe(3)
        expect(inventory.stderr).toContain(`stageset "nope" not found in namespace "${ns}"`)
      }),
    ))

  it("an unusable cluster exits 3, a usage error or an unknown flag 2, with a clear message", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const noFile = yield* cli(["get", "--kubeconfig", "/nonexistent/kubeconfig"], false)
        expect(noFile.code).toBe(3)
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
        expect(down.code).toBe(3)
        expect(down.stderr).toContain("cannot reach the cluster at https://127.0.0.1:1")

        const usage = yield* cli(["reconcile"])
        expect(usage.code).toBe(2)
        // Refused before anything is read, naming the flag; also where a name could go.
        for (const args of [
          ["get", "--bogus"],
          ["diff", "ss", "--color", "never"],
          ["reconcile", "ss", "--with-source"],
        ]) {
          const unknown = yield* cli(args)
          expect(unknown.code, args.join(" ")).toBe(2)
          expect(unknown.stdout + unknown.stderr, args.join(" ")).toContain(
            args.find((arg) => arg.startsWith("--"))!,
          )
        }
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
        expect(annotated?.metadata.annotations?.[RECONCILE_STAGE]).toBe(`two@${token}`)
        expect(plain.stdout).toContain(`(token ${token})`)

        const unknownStage = yield* cli(["reconcile", "ss", "-n", ns, "--stage", "nope"])
        expect(unknownStage.code).toBe(2)
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

  it("reconcile --stage --wait returns once that stage recorded its token", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const waiting = yield* Effect.fork(
          cli(["reconcile", "ss", "-n", ns, "--stage", "two", "--wait", "--timeout", "60s"]),
        )
        const requested = yield* stageSetOf(ns, "ss").pipe(
          Effect.filterOrFail((o) => o?.metadata.annotations?.[RECONCILE_STAGE] !== undefined),
          Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds"))),
        )
        const [, token] = requested!.metadata.annotations![RECONCILE_STAGE]!.split("@")
        yield* reconcileWith("hybrid", ns, "ss")
        const waited = yield* Fiber.join(waiting)
        expect(waited.stderr).toBe("")
        expect(waited.code).toBe(0)
        const status = (yield* stageSetOf(ns, "ss"))?.status as {
          stages: Array<{ name: string; lastHandledReconcileAt?: string }>
        }
        expect(status.stages.find((s) => s.name === "two")?.lastHandledReconcileAt).toBe(token)
        const detail = yield* cli(["get", "ss", "-n", ns])
        expect(detail.stdout).toMatch(
          new RegExp(
            `^\\s+two\\s+Ready\\s+\\S+\\s+1\\s+1\\s+${token!.replace(/[.]/g, "\\.")}$`,
            "m",
          ),
        )
      }),
    ))

  it("reconcile --wait exits 3 when the timeout passes", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const result = yield* cli(["reconcile", "ss", "-n", ns, "--wait", "--timeout", "2s"])
        expect(result.code).toBe(3)
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
})
