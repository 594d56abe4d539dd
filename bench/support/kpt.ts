import { existsSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { runCommand, type Timed } from "./subjects.ts"

export const KPT = "/usr/bin/kpt"

export type KptAvailability =
  | { readonly ok: true; readonly version: string }
  | { readonly ok: false; readonly reason: string }

const env = (kubeconfig: string) => ({ ...process.env, KUBECONFIG: kubeconfig })

const firstLines = (text: string) => text.trim().split("\n").slice(-5).join(" | ")

/**
 * kpt is a second inventory-keeping peer only if it sets itself up cleanly here: the
 * ResourceGroup CRD installs and `kpt live init` writes an inventory. Checked once per run.
 */
export const checkKpt = (kubeconfig: string): Effect.Effect<KptAvailability> =>
  Effect.gen(function* () {
    if (!existsSync(KPT)) return { ok: false, reason: `${KPT} not found` } as const
    const version = yield* runCommand(KPT, ["version"])
    if (version.code !== 0)
      return { ok: false, reason: `kpt version: ${firstLines(version.output)}` } as const
    const install = yield* runCommand(KPT, ["live", "install-resource-group"], env(kubeconfig))
    if (install.code !== 0)
      return {
        ok: false,
        reason: `kpt live install-resource-group failed: ${firstLines(install.output)}`,
      } as const
    const dir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "stageset-bench-kpt-check-")))
    const init = yield* runCommand(
      KPT,
      ["live", "init", dir, "--namespace", "default", "--name", "bench-check"],
      env(kubeconfig),
    )
    yield* Effect.promise(() => rm(dir, { recursive: true, force: true }))
    if (init.code !== 0)
      return { ok: false, reason: `kpt live init failed: ${firstLines(init.output)}` } as const
    return { ok: true, version: version.output.trim() } as const
  })

/** Writes the inventory (`kpt live init`) into the package dir; not timed. */
export const kptInit = (kubeconfig: string, dir: string, namespace: string) =>
  Effect.gen(function* () {
    // Writes resourcegroup.yaml (the inventory object's identity) next to the manifests.
    const init = yield* runCommand(
      KPT,
      ["live", "init", dir, "--namespace", namespace, "--name", `inventory-${namespace}`],
      env(kubeconfig),
    )
    if (init.code !== 0) return yield* Effect.dieMessage(`kpt live init failed:\n${init.output}`)
  })

/** `kpt live apply --server-side <dir>`: applies, waits for reconcile, writes the inventory. */
export const kptApply = (kubeconfig: string, dir: string) =>
  Effect.flatMap(
    runCommand(
      KPT,
      ["live", "apply", dir, "--server-side", "--reconcile-timeout", "10m"],
      env(kubeconfig),
    ),
    (result) =>
      result.code === 0
        ? Effect.succeed({ ms: result.ms } satisfies Timed)
        : Effect.dieMessage(`kpt live apply failed (${result.code}):\n${result.output}`),
  )
