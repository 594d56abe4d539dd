import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { parseAllDocuments } from "yaml"
import { ClusterInMemory } from "../../../layers/Cluster.inMemory.ts"
import { KubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { runStagesetctl } from "../../../src/cli/stagesetctl.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { CONTROLLER_VERSION } from "../../../src/version.ts"
import {
  configMap,
  createNamespace,
  getObject,
  setStageSet,
  yamlOf,
} from "../../acceptance/harness/fixtures.ts"

/**
 * build, diff and apply with `--source-dir` against the in-memory API server: the stages'
 * sources do not exist there, so anything rendered came from the local directory.
 */

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** stagesetctl's command tree with its output captured. */
const cli = (...args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const out: Array<string> = []
    const err: Array<string> = []
    const base = yield* Effect.console
    const code = yield* runStagesetctl(["node", "stagesetctl", ...args]).pipe(
      Effect.withConsole({
        ...base,
        log: (...parts: ReadonlyArray<unknown>) => Effect.sync(() => out.push(parts.join(" "))),
        error: (...parts: ReadonlyArray<unknown>) => Effect.sync(() => err.push(parts.join(" "))),
      }),
    )
    return { code, stdout: out.join("\n"), stderr: err.join("\n") } satisfies Run
  })

const secret = (password: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "creds" },
  stringData: { password },
})

const layer = Layer.mergeAll(ClusterInMemory, NodeContext.layer).pipe(
  Layer.provideMerge(KubeClientInMemory),
)

const withDir = <A, E, R>(body: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "stagesetctl-src-"))),
    body,
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
  )

const write = (dir: string, files: Record<string, string>) =>
  Effect.promise(async () => {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, path, ".."), { recursive: true })
      await writeFile(join(dir, path), content)
    }
  })

/** Namespace `shop` with StageSet `ss`: stages `one` and `two` read ConfigMaps that do not exist. */
const setup = Effect.gen(function* () {
  yield* createNamespace("shop")
  yield* setStageSet("shop", "ss", [
    { name: "one", source: "missing-one" },
    { name: "two", source: "missing-two" },
  ])
})

describe("stagesetctl --source-dir (offline)", () => {
  it.scoped("refuses a StageSet whose objects are in a remote cluster (spec.kubeConfig)", () =>
    withDir((dir) =>
      Effect.gen(function* () {
        yield* createNamespace("shop")
        yield* setStageSet("shop", "ss", [{ name: "one", source: "missing-one" }], {
          kubeConfig: { secretRef: { name: "remote" } },
        })
        yield* write(dir, { "one/app.yaml": yamlOf([configMap("a")]) })
        for (const command of ["build", "diff", "apply"]) {
          const run = yield* cli(command, "ss", "-n", "shop", "--source-dir", join(dir, "one"))
          expect(run.code, command).not.toBe(0)
          expect(run.stderr, command).toContain("applies to a remote cluster (spec.kubeConfig)")
        }
        expect(
          yield* getObject({ apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "a" }),
        ).toBeUndefined()
      }),
    ).pipe(Effect.provide(layer)),
  )

  it.scoped(
    "build renders each stage from its directory; Secrets masked unless --show-secrets",
    () =>
      withDir((dir) =>
        Effect.gen(function* () {
          yield* setup
          yield* write(dir, {
            "one/app.yaml": yamlOf([configMap("a"), secret("hunter2")]),
            "one/.git/hooks.yaml": yamlOf([configMap("never")]),
            "one/README.md": "not a manifest",
            "two/b.yml": yamlOf([configMap("b")]),
          })
          const args = ["build", "ss", "-n", "shop", "--source-dir", `one=${join(dir, "one")}`]
          const built = yield* cli(...args, "--source-dir", `two=${join(dir, "two")}`)
          expect(built.stderr).toBe("")
          expect(built.code).toBe(0)
          expect(
            [...built.stdout.matchAll(/^# stage (\S+): (\S+)$/gm)].map((m) => [m[1], m[2]]),
          ).toEqual([
            ["one", "shop_a__ConfigMap"],
            ["one", "shop_creds__Secret"],
            ["two", "shop_b__ConfigMap"],
          ])
          const docs = parseAllDocuments(built.stdout).map((d) => d.toJS())
          expect(docs.map((d) => [d.kind, d.metadata.name, d.metadata.namespace])).toEqual([
            ["ConfigMap", "a", "shop"],
            ["Secret", "creds", "shop"],
            ["ConfigMap", "b", "shop"],
          ])
          expect(docs[1].stringData).toEqual({ password: "***" })
          expect(built.stdout).not.toContain("hunter2")

          const shown = yield* cli(...args, "--stage", "one", "--show-secrets")
          expect(shown.code).toBe(0)
          expect(shown.stdout).toContain("password: hunter2")
          expect(shown.stdout).not.toContain("stage two")

          // A bare path serves every stage without a directory of its own.
          const bare = yield* cli(...args, "--source-dir", join(dir, "two"))
          expect(bare.stderr).toBe("")
          expect(bare.code).toBe(0)
          expect([...bare.stdout.matchAll(/^# stage (\S+): (\S+)$/gm)].map((m) => m[2])).toEqual([
            "shop_a__ConfigMap",
            "shop_creds__Secret",
            "shop_b__ConfigMap",
          ])
        }),
      ).pipe(Effect.provide(layer)),
  )

  it.scoped(
    "build refuses what it cannot honour: exit 2 for usage, 3 for a source it cannot read",
    () =>
      withDir((dir) =>
        Effect.gen(function* () {
          yield* setup
          const unknownStage = yield* cli("build", "ss", "-n", "shop", "--source-dir", `web=${dir}`)
          expect(unknownStage.code).toBe(2)
          expect(unknownStage.stderr).toContain('no stage "web"')
          const badStage = yield* cli("build", "ss", "-n", "shop", "--stage", "nope")
          expect(badStage.code).toBe(2)
          expect(badStage.stderr).toContain('stageset "ss" has no stage "nope"')
          const notDir = yield* cli(
            "build",
            "ss",
            "-n",
            "shop",
            "--source-dir",
            join(dir, "absent"),
          )
          expect(notDir.code).toBe(2)
          expect(notDir.stderr).toContain("not a directory")
          const unknownFlag = yield* cli("build", "ss", "-n", "shop", "--as-tenant")
          expect(unknownFlag.code).toBe(2)
          const noSource = yield* cli("build", "ss", "-n", "shop")
          expect(noSource.code).toBe(3)
          expect(noSource.stderr).toContain("render failed")
          expect(noSource.stderr).toContain("missing-one")
        }),
      ).pipe(Effect.provide(layer)),
  )

  it.scoped(
    "diff: creates (exit 1), nothing after apply (exit 0), then configure with values, Secrets masked",
    () =>
      withDir((dir) =>
        Effect.gen(function* () {
          yield* setup
          yield* write(dir, {
            "one/m.yaml": yamlOf([configMap("a", { greeting: "hello" }), secret("old")]),
            "two/b.yaml": yamlOf([configMap("b")]),
          })
          const both = ["-n", "shop", "--source-dir", `one=${join(dir, "one")}`]
          both.push("--source-dir", `two=${join(dir, "two")}`)
          const created = yield* cli("diff", "ss", ...both)
          expect(created.stderr).toBe("")
          expect(created.code).toBe(1)
          expect(created.stdout).toContain("+ create ConfigMap/a -n shop [stage one]")
          expect(created.stdout).toContain("+ create Secret/creds -n shop [stage one]")
          expect(created.stdout).toContain("+ create ConfigMap/b -n shop [stage two]")

          const applied = yield* cli("apply", "ss", ...both)
          expect(applied.stderr).toBe("")
          expect(applied.code).toBe(0)
          expect(applied.stdout).toContain('stage "one": applied')
          expect(applied.stdout).toContain("applied 3 object(s) across 2 stage(s)")
          const live = yield* getObject({
            apiVersion: "v1",
            kind: "ConfigMap",
            namespace: "shop",
            name: "a",
          })
          expect(live?.data).toEqual({ greeting: "hello" })

          const clean = yield* cli("diff", "ss", ...both)
          expect(clean.stderr).toBe("")
          expect(clean.stdout).toContain("no changes")
          expect(clean.code).toBe(0)

          yield* write(dir, {
            "one/m.yaml": yamlOf([configMap("a", { greeting: "goodbye" }), secret("new")]),
          })
          const drifted = yield* cli("diff", "ss", ...both)
          expect(drifted.code).toBe(1)
          expect(drifted.stdout).toContain("~ configure ConfigMap/a -n shop [stage one]")
          expect(drifted.stdout).toContain('data.greeting: "hello" -> "goodbye"')
          expect(drifted.stdout).toContain("~ configure Secret/creds -n shop [stage one]")
          expect(drifted.stdout).not.toMatch(/bmV3|b2xk|"new"|"old"/)
          expect(drifted.stdout).toContain('"***" -> "***"')
          const revealed = yield* cli("diff", "ss", ...both, "--show-secrets")
          // The API server keeps it as base64 data, the in-memory one as stringData.
          expect(revealed.stdout).toMatch(/password: "(old|b2xk)" -> "(new|bmV3)"/)
        }),
      ).pipe(Effect.provide(layer)),
  )
})

describe("stagesetctl --version", () => {
  // A lone --version runs on the bare root (no command loaded); anything after it still
  // goes through the whole tree.
  it.scoped("prints the version alone, and beside a subcommand", () =>
    Effect.gen(function* () {
      const alone = yield* cli("--version")
      expect(alone).toMatchObject({ code: 0, stderr: "" })
      expect(alone.stdout.trim()).toBe(CONTROLLER_VERSION)
      const help = yield* cli("--help")
      expect(help.code).toBe(0)
      expect(help.stdout).toContain("inventory")
    }).pipe(Effect.provide(layer)),
  )
})
