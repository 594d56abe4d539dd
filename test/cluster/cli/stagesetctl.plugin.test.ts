import { mkdtemp, rm, symlink } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { beforeAll, inject } from "vitest"
import { installCrds } from "../../acceptance/harness/installCrds.ts"
import { ensureBinaries } from "../../controlplane/ensureBinaries.ts"
import { bin, cli, exec, readyStageSet, run } from "./harness.ts"

beforeAll(() => run(installCrds), 120_000)

describe("stagesetctl as a kubectl plugin, with shell completion", () => {
  it("kubectl stageset runs it when kubectl-stageset is on the PATH", () =>
    run(
      Effect.gen(function* () {
        const ns = yield* readyStageSet("hybrid")
        const binDir = yield* Effect.orDie(ensureBinaries())
        const pathDir = yield* Effect.acquireRelease(
          Effect.promise(() => mkdtemp(join(tmpdir(), "kubectl-plugins-"))),
          (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
        )
        // What installing the package's `kubectl-stageset` bin does: a link to the same script.
        yield* Effect.promise(() => symlink(bin, join(pathDir, "kubectl-stageset")))
        // The script's `#!/usr/bin/env node` must find Node 24, as npm's bin directory provides.
        const path = [pathDir, dirname(process.execPath), process.env.PATH ?? ""].join(":")
        const listed = yield* exec(join(binDir, "kubectl"), ["plugin", "list"], { PATH: path })
        expect(listed.stdout).toContain("kubectl-stageset")
        const got = yield* exec(
          join(binDir, "kubectl"),
          ["stageset", "get", "ss", "-n", ns, "--kubeconfig", inject("kubeconfig")],
          { PATH: path },
        )
        expect(got.stderr).toBe("")
        expect(got.code).toBe(0)
        expect(got.stdout).toMatch(/^Ready:\s+True \(Succeeded\)$/m)
        const failed = yield* exec(
          join(binDir, "kubectl"),
          ["stageset", "get", "nope", "-n", ns, "--kubeconfig", inject("kubeconfig")],
          { PATH: path },
        )
        expect(failed.code).toBe(3)
      }),
    ))

  it("--completions prints a completion script naming every command", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        for (const shell of ["bash", "zsh", "fish"]) {
          const script = yield* cli(["--completions", shell], false)
          expect(script.code, shell).toBe(0)
          for (const command of ["get", "build", "diff", "plan", "apply", "reconcile"])
            expect(script.stdout, `${shell} ${command}`).toContain(command)
          expect(script.stdout).toContain("stagesetctl")
        }
      }),
    ))
})
