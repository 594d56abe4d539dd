import { join } from "node:path"
import { Effect, type Scope } from "effect"
import { defaultApiLimits } from "../src/kube/resilientKubeClient.ts"
import { rawKubeClient } from "./support/cluster.ts"
import { type Collector, fmtMs, Samples, tempDir } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { type CpuUsage, describeCpu, sumCpu, withCpu } from "./support/cpu.ts"
import {
  FLUX,
  FLUX_THROTTLING_NOTE,
  type FluxTimed,
  fluxSession,
  fluxTimeout,
  packArtifact,
} from "./support/flux.ts"
import { checkKpt, kptApply, kptInit } from "./support/kpt.ts"
import {
  objectNames,
  renderedStage,
  sourceConfigMap,
  stageSetObject,
  writeManifestDir,
} from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import { compare, median, row } from "./support/results.ts"
import {
  APPLY_CONCURRENCY,
  CONTROLLER_CONCURRENT,
  kubectlApply,
  makeBareSubject,
  makeControllerSubject,
  type Timed,
  UNTHROTTLED,
} from "./support/subjects.ts"

export const STAGE_SET = "bench"
export const STAGE = "main"
export const SOURCE = "bench-source"

const CONTROLLER = "controller"
const UNLIMITED = "controller, no qps limit"
const BARE = "bare loop"
const KUBECTL = "kubectl apply --server-side"
const KPT = "kpt live apply"
/** Namespace prefix per subject. */
const SLUG: Readonly<Record<string, string>> = {
  [CONTROLLER]: "b1-ctrl",
  [UNLIMITED]: "b1-ctrl-nolimit",
  [BARE]: "b1-bare",
  [KUBECTL]: "b1-kubectl",
  [KPT]: "b1-kpt",
  [FLUX]: "b1-flux",
}

/** The source ConfigMap and the StageSet of one stage of `names`, written as a user would (not timed). */
export const writeStageSet = (ctx: BenchContext, namespace: string, names: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const as = { fieldManager: "stageset-bench", force: true }
    yield* ctx.setup.apply(sourceConfigMap(namespace, SOURCE, names), as)
    yield* ctx.setup.apply(
      stageSetObject(namespace, STAGE_SET, [{ name: STAGE, source: SOURCE }]),
      as,
    )
  }).pipe(Effect.orDie)

const countsOf = (t: Timed) =>
  t.counts === undefined
    ? undefined
    : {
        requests: t.counts.requests,
        writes: t.counts.writes,
        byVerb: t.counts.byVerb,
        byVerbKind: t.counts.byVerbKind,
        discoveryLookups: t.counts.discoveryCalls,
      }

/**
 * B1: the first apply of one stage of N ConfigMaps, each subject in turn, in a fresh
 * namespace per repetition (emptied and deleted before the next measurement).
 */
export const b1FirstApply = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { kubeconfigPath, kubectl } = ctx.cluster
    // --tiny is the harness's smoke test: kpt's one-time CRD install alone takes ~10 s.
    const kpt =
      ctx.mode === "tiny"
        ? ({ ok: false, reason: "skipped in --tiny mode" } as const)
        : yield* checkKpt(kubeconfigPath)
    if (!kpt.ok) out.notes.push(`kpt not measured: ${kpt.reason}`)
    out.sizes.N = ctx.sizes.b1
    out.sizes.applyConcurrency = APPLY_CONCURRENCY
    out.sizes.controllerLimits = defaultApiLimits
    const controller = yield* makeControllerSubject(
      yield* rawKubeClient(kubeconfigPath, "stageset-controller/bench"),
      defaultApiLimits,
    )
    const unlimited = yield* makeControllerSubject(
      yield* rawKubeClient(kubeconfigPath, "stageset-controller/bench-unlimited"),
      UNTHROTTLED,
    )
    const bare = makeBareSubject(yield* rawKubeClient(kubeconfigPath, "stageset-bench-bare"))
    const dir = yield* tempDir("b1")
    // Flux gets the controller's defaults: 4 reconciles, 16 applies in flight, qps 50 / burst 100.
    const fluxSettings = {
      concurrent: CONTROLLER_CONCURRENT,
      concurrentSsa: APPLY_CONCURRENCY,
      qps: defaultApiLimits.qps,
      burst: defaultApiLimits.burst,
    }
    out.sizes.fluxSettings = { ...fluxSettings, wait: false, prune: true }
    out.notes.push(FLUX_THROTTLING_NOTE)

    for (const n of ctx.sizes.b1) {
      const names = objectNames("cm", n)
      const samples = new Samples()
      const cpu = new Map<string, Array<CpuUsage>>()
      const subjects: ReadonlyArray<readonly [string, (ns: string) => Effect.Effect<Timed>]> = [
        [BARE, (ns) => bare.apply([renderedStage(names, ns, STAGE_SET, STAGE)])],
        [
          CONTROLLER,
          (ns) =>
            Effect.zipRight(writeStageSet(ctx, ns, names), controller.reconcile(ns, STAGE_SET)),
        ],
        [
          UNLIMITED,
          (ns) =>
            Effect.zipRight(writeStageSet(ctx, ns, names), unlimited.reconcile(ns, STAGE_SET)),
        ],
        [
          KUBECTL,
          (ns) =>
            Effect.gen(function* () {
              const files = join(dir, ns)
              yield* Effect.promise(() =>
                writeManifestDir(files, renderedStage(names, ns, STAGE_SET, STAGE)),
              )
              return yield* kubectlApply(kubectl, kubeconfigPath, files)
            }),
        ],
        ...(kpt.ok
          ? ([
              [
                KPT,
                (ns: string) =>
                  Effect.gen(function* () {
                    const files = join(dir, ns)
                    yield* Effect.promise(() =>
                      writeManifestDir(files, renderedStage(names, ns, STAGE_SET, STAGE)),
                    )
                    yield* kptInit(kubeconfigPath, files, ns)
                    return yield* kptApply(kubeconfigPath, files)
                  }),
              ],
            ] as const)
          : []),
      ]
      const fluxRequests: Array<FluxTimed["flux"]> = []
      for (let rep = 1; rep <= ctx.reps; rep++) {
        for (const [subject, measure] of subjects) {
          // The harness is the subject for the in-process ones; kubectl and kpt show up as
          // its reaped children. The window includes the untimed setup inside `measure`.
          const [result, usage] = yield* withNamespace(ctx, SLUG[subject]!, (ns) =>
            withCpu(ctx.cluster.components(), measure(ns)),
          )
          samples.add(subject, result.ms, countsOf(result))
          cpu.set(subject, [...(cpu.get(subject) ?? []), usage])
          ctx.progress(`B1 N=${n} rep ${rep}/${ctx.reps} ${subject}: ${fmtMs(result.ms)}`)
        }
        // Flux: a process of its own, started and warmed up before the namespace and the CPU
        // window, and stopped after (it watches every ConfigMap's metadata while it runs).
        // The artifact is packed and published inside the window but before the clock.
        const [result, usage] = yield* Effect.scoped(
          Effect.gen(function* () {
            const flux = yield* fluxSession(ctx, fluxSettings, fluxTimeout(n))
            const processes = [
              ...ctx.cluster.components(),
              { name: "kustomize-controller", pid: flux.proc.pid },
            ]
            return yield* withNamespace(ctx, SLUG[FLUX]!, (ns) =>
              withCpu(
                processes,
                Effect.gen(function* () {
                  const artifact = yield* packArtifact(names)
                  yield* flux.subject.publish(ns, artifact)
                  return yield* flux.subject.firstApply(ns, artifact.revision)
                }),
              ).pipe(Effect.ensuring(flux.subject.remove(ns))),
            )
          }),
        )
        samples.add(FLUX, result.ms, result.flux)
        fluxRequests.push(result.flux)
        cpu.set(FLUX, [...(cpu.get(FLUX) ?? []), usage])
        ctx.progress(
          `B1 N=${n} rep ${rep}/${ctx.reps} ${FLUX}: ${fmtMs(result.ms)}, ${result.flux.requests} requests ${JSON.stringify(result.flux.byMethod)}`,
        )
      }

      const workload = `first apply, N=${n}`
      const m = (key: string) => median(samples.get(key))
      const details = (key: string) => ({
        details: {
          ...(samples.details(key).length === 0 ? {} : { perRep: samples.details(key) }),
          cpuPerRep: cpu.get(key) ?? [],
        },
      })
      out.rows.push(row(workload, BARE, "ms", samples.get(BARE), details(BARE)))
      for (const subject of [CONTROLLER, UNLIMITED])
        out.rows.push(
          row(workload, subject, "ms", samples.get(subject), {
            ...compare("controller/bare", m(subject) / m(BARE), { atMost: 1.25 }),
            ...details(subject),
          }),
        )
      out.rows.push(
        row(workload, KUBECTL, "ms", samples.get(KUBECTL), {
          ...compare("kubectl/controller", m(KUBECTL) / m(CONTROLLER), { atLeast: 3 }),
          details: {
            kubectlOverUnlimitedController: m(KUBECTL) / m(UNLIMITED),
            cpuPerRep: cpu.get(KUBECTL) ?? [],
          },
        }),
      )
      out.notes.push(
        `N=${n}: kubectl/controller(no qps limit) = ${(m(KUBECTL) / m(UNLIMITED)).toFixed(2)}`,
      )
      // Flux runs without client-side throttling (FLUX_THROTTLING_NOTE): the target is on
      // the controller without its qps limit, the ratio to the default one is reported.
      out.rows.push(
        row(workload, FLUX, "ms", samples.get(FLUX), {
          ...compare("flux/controller(no qps limit)", m(FLUX) / m(UNLIMITED), { atLeast: 2 }),
          details: {
            fluxOverController: m(FLUX) / m(CONTROLLER),
            requestsPerRep: fluxRequests,
            cpuPerRep: cpu.get(FLUX) ?? [],
          },
        }),
      )
      const rates = samples
        .get(FLUX)
        .map((ms, i) => ((fluxRequests[i]?.requests ?? Number.NaN) / ms) * 1000)
      out.notes.push(
        `N=${n}: flux/controller(qps 50) = ${(m(FLUX) / m(CONTROLLER)).toFixed(2)}; Flux's requests (its client-go counter) per rep: ${fluxRequests.map((r) => `${r.requests} ${JSON.stringify(r.byMethod)}`).join("; ")}, at ${rates.map((r) => r.toFixed(0)).join(", ")} requests/s`,
      )
      for (const [subject, usages] of cpu)
        out.notes.push(
          `N=${n} CPU ${subject} (${usages.length} rep${usages.length === 1 ? "" : "s"}): ${describeCpu(sumCpu(usages))}`,
        )
      if (kpt.ok)
        out.rows.push(
          row(workload, KPT, "ms", samples.get(KPT), {
            comparison: { label: "kpt/controller", value: m(KPT) / m(CONTROLLER) },
            details: { cpuPerRep: cpu.get(KPT) ?? [] },
          }),
        )
    }
  })
