import { spawn } from "node:child_process"
import { Duration, Effect, Layer, Option, type Scope } from "effect"
import { AppliedCacheMemory } from "../../layers/AppliedCache.memory.ts"
import { ArtifactFetcherLive } from "../../layers/ArtifactFetcher.live.ts"
import { InventoryStoreLive } from "../../layers/InventoryStore.live.ts"
import { kustomizeLayer } from "../../layers/kustomize/findKustomize.ts"
import { ReadinessKube } from "../../layers/Readiness.kube.ts"
import { RemoteClustersNone } from "../../layers/RemoteClusters.inMemory.ts"
import { StageIdentityImpersonating } from "../../layers/StageIdentity.ts"
import { FIELD_MANAGER } from "../../src/inventory/Labels.ts"
import { KubeClient, type KubeClientApi } from "../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"
import { type ApiLimits, resilientKubeClientLayer } from "../../src/kube/resilientKubeClient.ts"
import { defaultReconcileConfig, ReconcileConfig } from "../../src/programs/ReconcileConfig.ts"
import { reconcileStageSet } from "../../src/programs/reconcileStageSet.ts"
import { CONTROLLER_VERSION } from "../../src/version.ts"
import { makeCountingKubeClient, type RequestCounts } from "./countingKubeClient.ts"

/** The controller's `--apply-concurrency` default: requests in flight within one stage. */
export const APPLY_CONCURRENCY = defaultReconcileConfig.applyConcurrency

/** The controller's `--concurrent` default (src/controller/Flags.ts): StageSets reconciled in parallel. */
export const CONTROLLER_CONCURRENT = 4

/** Client-side limits far above what one API server on two cores can serve: no throttling. */
export const UNTHROTTLED: ApiLimits = { qps: 100_000, burst: 100_000 }

export interface Timed {
  readonly ms: number
  readonly counts?: RequestCounts
}

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(effect), ([d, a]) => [Duration.toMillis(d), a] as const)

/**
 * The controller as the process composes it (layers/Main.ts): the raw Live client, counted,
 * behind the process's token bucket and retry policy; InventoryStore, AppliedCache,
 * Readiness and ArtifactFetcher over it; ReconcileConfig at the flag defaults. `reconcile`
 * runs one reconcileStageSet, what a worker of the controller loop runs for one key.
 */
export const makeControllerSubject = (
  raw: KubeClientApi,
  limits: ApiLimits,
): Effect.Effect<ControllerSubject, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { client, counter } = makeCountingKubeClient(raw)
    const kube = resilientKubeClientLayer(limits).pipe(
      Layer.provide(Layer.succeed(KubeClient, client)),
    )
    // Built once, like the process builds it: the token bucket and the applied-state cache
    // live as long as the subject, across reconciles.
    const services = yield* Layer.build(
      Layer.mergeAll(
        InventoryStoreLive,
        AppliedCacheMemory,
        ReadinessKube(),
        ArtifactFetcherLive({ timeout: Duration.minutes(2) }),
        kustomizeLayer(Option.none()),
        Layer.succeed(ReconcileConfig, { ...defaultReconcileConfig, version: CONTROLLER_VERSION }),
      ).pipe(
        (services) =>
          Layer.provideMerge(Layer.merge(StageIdentityImpersonating, RemoteClustersNone), services),
        Layer.provideMerge(kube),
      ),
    )
    const reconcile = (namespace: string, name: string, seed: ReadonlyArray<KubeObject> = []) =>
      Effect.gen(function* () {
        counter.seed(seed)
        counter.reset()
        const [ms, report] = yield* timed(reconcileStageSet({ namespace, name }))
        if (report.outcome._tag !== "Ready")
          return yield* Effect.dieMessage(
            `reconcile of ${namespace}/${name} ended ${JSON.stringify(report.outcome)}`,
          )
        return { ms, counts: counter.snapshot() } satisfies Timed
      }).pipe(Effect.provide(services), Effect.orDie)
    return { reconcile }
  })

export interface ControllerSubject {
  /** One reconcileStageSet of the StageSet; `seed`: objects whose resourceVersions are current. */
  readonly reconcile: (
    namespace: string,
    name: string,
    seed?: ReadonlyArray<KubeObject>,
  ) => Effect.Effect<Timed>
}

/**
 * The limit: the same server-side-apply PATCHes (same objects, labels and field manager,
 * `force=false` like the default conflict policy) with the same concurrency, nothing else.
 */
export const makeBareSubject = (raw: KubeClientApi) => {
  const { client, counter } = makeCountingKubeClient(raw)
  const applyAll = (objects: ReadonlyArray<KubeObject>) =>
    Effect.forEach(objects, (o) => client.apply(o, { fieldManager: FIELD_MANAGER, force: false }), {
      concurrency: APPLY_CONCURRENCY,
      discard: true,
    })
  /** Applies the batches one after the other, each with APPLY_CONCURRENCY in flight. */
  const apply = (
    batches: ReadonlyArray<ReadonlyArray<KubeObject>>,
    seed: ReadonlyArray<KubeObject> = [],
  ) =>
    Effect.gen(function* () {
      counter.seed(seed)
      counter.reset()
      const [ms] = yield* timed(Effect.forEach(batches, applyAll, { discard: true }))
      return { ms, counts: counter.snapshot() } satisfies Timed
    }).pipe(Effect.orDie)
  return { apply, client }
}

export interface CommandResult {
  readonly ms: number
  readonly code: number | null
  readonly output: string
}

/** Runs a command to completion; wall time from spawn to exit. Output is kept (tail) for errors. */
export const runCommand = (
  command: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv = process.env,
): Effect.Effect<CommandResult> =>
  Effect.async<CommandResult>((resume) => {
    const started = performance.now()
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-8000)
    }
    child.stdout.on("data", keep)
    child.stderr.on("data", keep)
    child.once("error", (error) =>
      resume(Effect.succeed({ ms: performance.now() - started, code: -1, output: String(error) })),
    )
    child.once("close", (code) =>
      resume(Effect.succeed({ ms: performance.now() - started, code, output })),
    )
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** `kubectl apply --server-side -f <dir>`: one PATCH per object, sequentially, field manager `kubectl`. */
export const kubectlApply = (kubectl: string, kubeconfig: string, dir: string) =>
  Effect.flatMap(
    runCommand(kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", "-f", dir]),
    (result) =>
      result.code === 0
        ? Effect.succeed({ ms: result.ms } satisfies Timed)
        : Effect.dieMessage(`kubectl apply failed (${result.code}):\n${result.output}`),
  )
