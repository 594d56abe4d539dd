import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect, type Scope } from "effect"
import { inject } from "vitest"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import { API_VERSION } from "../../../src/inventory/Labels.ts"
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
import { LiveKubeClient } from "../support.ts"

/** stagesetctl as users run it (`bin/stagesetctl.js`, Node's type stripping) against the test cluster. */
export const bin = fileURLToPath(new URL("../../../bin/stagesetctl.js", import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `command args` to completion, capturing its output. */
export const exec = (
  command: string,
  args: ReadonlyArray<string>,
  env: Record<string, string> = {},
): Effect.Effect<CliResult> =>
  Effect.async<CliResult>((resume) => {
    const child = spawn(command, [...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", ...env },
    })
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

/** `stagesetctl args` (with the test cluster's `--kubeconfig` unless told otherwise). */
export const cli = (args: ReadonlyArray<string>, withKubeconfig = true): Effect.Effect<CliResult> =>
  exec(process.execPath, [
    bin,
    ...args,
    ...(withKubeconfig ? ["--kubeconfig", inject("kubeconfig")] : []),
  ])

export const run = <A, E>(body: Effect.Effect<A, E, KubeClient | Scope.Scope>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(body, LiveKubeClient)))

/** One reconcile by the controller's program: the tests play the controller. */
export const reconcileWith = (mode: InventoryMode, namespace: string, name: string) =>
  reconcileStageSet({ namespace, name }).pipe(
    Effect.provide(scenarioLayer(LiveKubeClient, { mode })),
  )

export const stageSetOf = (namespace: string, name: string) =>
  getObject({ apiVersion: API_VERSION, kind: "StageSet", namespace, name })

/** A namespace with a two-stage StageSet `ss` reconciled to Ready in `mode`. */
export const readyStageSet = (mode: InventoryMode) =>
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
