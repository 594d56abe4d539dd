import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Layer, Option, Schedule } from "effect"
import { parseAllDocuments } from "yaml"
import { KubeClientLive } from "../layers/KubeClient.live.ts"
import { KubeConfigSource } from "../layers/live/loadKubeConfig.ts"
import { KubeClient } from "../src/kube/KubeClient.ts"
import type { KubeObject } from "../src/kube/KubeObject.ts"
import { controllerMain } from "../src/roots/controller.ts"
import { installCrds } from "../test/acceptance/harness/installCrds.ts"
import { startControlPlane } from "../test/controlplane/ControlPlane.ts"

/**
 * `npm start`: the local run of api.md. With `--kubeconfig` or `KUBECONFIG` it is just the
 * controller against that cluster. Without, it never falls back to ~/.kube/config: it boots
 * the project's own control plane (etcd + kube-apiserver + kube-controller-manager on
 * loopback), installs the CRDs, applies examples/quickstart/, runs the controller and
 * shows the StageSet's progress until Ready, then keeps running until Ctrl-C.
 */

const quickstart = fileURLToPath(new URL("../examples/quickstart/", import.meta.url))
const FIELD_MANAGER = "quickstart"
const NAMESPACE = "quickstart"

const localDefaults = [
  "--log-format=text",
  "--log-level=warn",
  "--metrics-bind-address=127.0.0.1:8080",
  "--health-probe-bind-address=127.0.0.1:8081",
]

const run = (argv: ReadonlyArray<string>) =>
  controllerMain([...argv]).pipe(
    Effect.catchIf(ValidationError.isValidationError, () =>
      Effect.sync(() => {
        process.exitCode = 2
      }),
    ),
  )

/** The example's sources: one ConfigMap per stages/<stage>/ directory, like `kubectl create configmap --from-file`. */
const applyQuickstart = Effect.gen(function* () {
  const kube = yield* KubeClient
  const apply = (object: KubeObject) =>
    kube.apply(object, { fieldManager: FIELD_MANAGER, force: true })
  yield* apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } })
  const stagesDir = join(quickstart, "stages")
  for (const stage of (yield* Effect.promise(() => readdir(stagesDir))).sort()) {
    const dir = join(stagesDir, stage)
    const data: Record<string, string> = {}
    for (const file of (yield* Effect.promise(() => readdir(dir))).sort())
      data[file] = yield* Effect.promise(() => readFile(join(dir, file), "utf8"))
    yield* apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `quickstart-${stage}`, namespace: NAMESPACE },
      data,
    })
  }
  const text = yield* Effect.promise(() => readFile(join(quickstart, "stageset.yaml"), "utf8"))
  for (const doc of parseAllDocuments(text)) yield* apply(doc.toJSON() as KubeObject)
})

interface StageStatus {
  readonly name: string
  readonly phase: string
  readonly entriesCount?: number
  readonly message?: string
}

/** Prints a line whenever the StageSet's stages or Ready condition change; ends once Ready. */
const showProgress = Effect.gen(function* () {
  const kube = yield* KubeClient
  let last = ""
  const poll = Effect.gen(function* () {
    const live = yield* kube.get({
      apiVersion: "stages.metio.wtf/v1",
      kind: "StageSet",
      namespace: NAMESPACE,
      name: "quickstart",
    })
    const status = live.status as
      | {
          stages?: ReadonlyArray<StageStatus>
          conditions?: ReadonlyArray<{ type: string; status: string; reason: string }>
        }
      | undefined
    const ready = status?.conditions?.find((c) => c.type === "Ready")
    const line = `quickstart: ${(status?.stages ?? [])
      .map((s) => `${s.name}=${s.phase}(${s.entriesCount ?? 0})`)
      .join(" ")}  Ready=${ready?.status ?? "Unknown"}/${ready?.reason ?? "-"}`
    if (line !== last) yield* Console.log(line)
    last = line
    return ready?.status === "True"
  })
  yield* poll.pipe(
    Effect.catchAll(() => Effect.succeed(false)),
    Effect.repeat({ schedule: Schedule.spaced("500 millis"), until: (ready) => ready }),
  )
})

const local = (argv: ReadonlyArray<string>) =>
  Effect.scoped(
    Effect.gen(function* () {
      yield* Console.log(
        "no --kubeconfig or KUBECONFIG given: starting a local control plane (the first run builds it from source, ~15 minutes)",
      )
      const plane = yield* startControlPlane({ allowExternal: false })
      yield* Console.log(
        `control plane ${plane.server}\n  export KUBECONFIG=${plane.kubeconfigPath}`,
      )
      const kube = KubeClientLive.pipe(
        Layer.provide(KubeConfigSource.layer({ kubeconfigPath: plane.kubeconfigPath })),
        Layer.orDie,
      )
      yield* Effect.provide(installCrds, kube)
      const controller = run([
        ...argv.slice(0, 2),
        `--kubeconfig=${plane.kubeconfigPath}`,
        // Loopback and quiet by default; any of these flags given to npm start wins.
        ...localDefaults.filter((d) => !argv.some((a) => a.startsWith(d.split("=")[0] ?? d))),
        ...argv.slice(2),
      ])
      const tour = Effect.provide(Effect.zipRight(applyQuickstart, showProgress), kube).pipe(
        Effect.zipRight(
          Console.log(
            [
              "quickstart is Ready. The controller keeps running (Ctrl-C stops it and the control plane). Try:",
              `  KUBECONFIG=${plane.kubeconfigPath} npm run stagesetctl -- get -n ${NAMESPACE}`,
              `  KUBECONFIG=${plane.kubeconfigPath} npm run stagesetctl -- inventory quickstart -n ${NAMESPACE}`,
            ].join("\n"),
          ),
        ),
        Effect.zipRight(Effect.never),
      )
      // The controller only ends when it fails (or on Ctrl-C); then the tour stops with it.
      return yield* Effect.raceFirst(controller, tour)
    }),
  )

const program = Effect.gen(function* () {
  const argv = process.argv
  const explicit =
    argv.some((a) => a === "--kubeconfig" || a.startsWith("--kubeconfig=")) ||
    Option.isSome(yield* Config.option(Config.nonEmptyString("KUBECONFIG")))
  if (explicit || argv.includes("--help")) return yield* run(argv)
  return yield* local(argv)
})

program.pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain({ disablePrettyLogger: true }))
