import { Effect, type Scope } from "effect"
import { API_VERSION, STAGE_INVENTORY_KIND, STAGE_SET_KIND } from "../src/inventory/Labels.ts"
import { shardsNeeded } from "../src/inventory/ShardPlan.ts"
import type { KubeObject } from "../src/kube/KubeObject.ts"
import { defaultApiLimits } from "../src/kube/resilientKubeClient.ts"
import { defaultReconcileConfig } from "../src/programs/ReconcileConfig.ts"
import { SOURCE, STAGE, STAGE_SET, writeStageSet } from "./b1FirstApply.ts"
import { rawKubeClient } from "./support/cluster.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { LIST_PAGE_SIZE } from "./support/countingKubeClient.ts"
import {
  FLUX,
  FLUX_THROTTLING_NOTE,
  type FluxRequests,
  fluxSession,
  fluxTimeout,
  packArtifact,
} from "./support/flux.ts"
import { objectNames, renderedStage, sourceConfigMap } from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import { bound, compare, median, type Row, row } from "./support/results.ts"
import {
  APPLY_CONCURRENCY,
  CONTROLLER_CONCURRENT,
  makeBareSubject,
  makeControllerSubject,
  UNTHROTTLED,
} from "./support/subjects.ts"

/** "A few": the StageSet GET, the source GET, status and finalizer checks, a discovery refresh. */
const FEW = 5

/** What the namespace holds now: resourceVersions the counter compares writes against. */
const currentObjects = (ctx: BenchContext, namespace: string) =>
  Effect.gen(function* () {
    const lists = yield* Effect.forEach(
      [
        { apiVersion: "v1", kind: "ConfigMap" },
        { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND },
        { apiVersion: API_VERSION, kind: STAGE_SET_KIND },
      ],
      (kind) => ctx.setup.list(kind, { namespace }),
    )
    return lists.flatMap((l) => l.items) as ReadonlyArray<KubeObject>
  }).pipe(Effect.orDie)

/** The ConfigMaps of the namespace by name, with their resourceVersions. */
const configMapVersions = (ctx: BenchContext, namespace: string) =>
  ctx.setup.list({ apiVersion: "v1", kind: "ConfigMap" }, { namespace }).pipe(
    Effect.map(
      (list) => new Map(list.items.map((o) => [o.metadata.name, o.metadata.resourceVersion ?? ""])),
    ),
    Effect.orDie,
  )

/** How many of `before` were changed or deleted in `after` (created ones are not counted). */
const changedOf = (before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>) =>
  [...before].filter(([name, rv]) => after.get(name) !== rv).length

/**
 * The "1 %" a prune removes: max(1, N/100) names spread evenly over the stage (the same
 * ones for every subject).
 */
export const pruneSelection = (names: ReadonlyArray<string>): ReadonlySet<string> => {
  const k = Math.max(1, Math.round(names.length / 100))
  return new Set(
    Array.from({ length: k }, (_, j) => names[Math.floor(((j + 0.5) * names.length) / k)]!),
  )
}

/** Dies unless every removed name is gone from the namespace. */
const verifyPruned = (
  ctx: BenchContext,
  namespace: string,
  removed: ReadonlySet<string>,
  who: string,
) =>
  Effect.flatMap(configMapVersions(ctx, namespace), (live) => {
    const left = [...removed].filter((name) => live.has(name))
    return left.length === 0
      ? Effect.void
      : Effect.dieMessage(`${who} left ${left.length} pruned ConfigMaps, e.g. ${left[0]}`)
  })

/**
 * B2: a stage of N ConfigMaps applied once (timed: the reference), then reconciled again
 * with nothing changed, `reps` times: time, requests by verb and writes of each run. Then
 * 1 % of the objects are removed from the source and it is reconciled once more: the
 * prune. Flux kustomize-controller does the same from an artifact (support/flux.ts): first
 * apply, `reps` no-op reconciles (requested with its annotation), the 1 % prune.
 */
export const b2NoOpReconcile = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const n = ctx.sizes.b2
    const names = objectNames("cm", n)
    const cap = defaultReconcileConfig.shardCap
    const groupKinds = 1
    const namespaces = 1
    const shards = shardsNeeded(n, cap)
    const requestBound = groupKinds * namespaces + shards + FEW
    out.sizes.N = n
    out.sizes.requestBound = {
      formula: "group-kinds x namespaces + shards + a few",
      groupKinds,
      namespaces,
      shards,
      few: FEW,
      bound: requestBound,
    }
    out.notes.push(
      `request bound = ${groupKinds} group-kind x ${namespaces} namespace + ${shards} shard(s) + ${FEW} = ${requestBound}, on API calls (a LIST is one call); HTTP requests count a LIST once per page of ${LIST_PAGE_SIZE}; cached discovery lookups are in neither`,
    )
    const workload = `no-op reconcile, N=${n}`
    const removed = pruneSelection(names)
    const kept = names.filter((name) => !removed.has(name))
    const pruneWorkload = `prune 1 % (${removed.size} of ${n})`
    out.sizes.pruned = removed.size
    const pruneRows: Array<Row> = []
    /** Medians of the controller's no-op reconcile and its prune, by subject. */
    const noopMs = new Map<string, number>()
    const pruneMs = new Map<string, number>()
    const variants = [
      { subject: "controller", limits: defaultApiLimits },
      { subject: "controller, no qps limit", limits: UNTHROTTLED },
    ]
    const kubeconfig = ctx.cluster.kubeconfigPath
    for (const variant of variants) {
      const controller = yield* makeControllerSubject(
        yield* rawKubeClient(kubeconfig, `stageset-controller/bench-b2`),
        variant.limits,
      )
      const bare = makeBareSubject(yield* rawKubeClient(kubeconfig, "stageset-bench-bare"))
      yield* withNamespace(ctx, "b2", (ns) =>
        Effect.gen(function* () {
          yield* writeStageSet(ctx, ns, names)
          const first = yield* controller.reconcile(ns, STAGE_SET)
          ctx.progress(`B2 ${variant.subject} first apply: ${fmtMs(first.ms)}`)
          const samples = new Samples()
          for (let rep = 1; rep <= ctx.reps; rep++) {
            const again = yield* controller.reconcile(ns, STAGE_SET, yield* currentObjects(ctx, ns))
            const counts = again.counts!
            samples.add("ms", again.ms, counts.callsByVerbKind)
            samples.add("calls", counts.calls)
            samples.add("requests", counts.requests, counts.byVerbKind)
            samples.add("writes", counts.writes)
            samples.add("discover", counts.discoveryCalls)
            ctx.progress(
              `B2 ${variant.subject} rep ${rep}/${ctx.reps}: ${fmtMs(again.ms)}, ${counts.calls} API calls ${JSON.stringify(counts.callsByVerbKind)} = ${counts.requests} HTTP requests, ${counts.writes} writes, ${counts.discoveryCalls} discovery lookups`,
            )
          }
          noopMs.set(variant.subject, median(samples.get("ms")))
          out.rows.push(
            row(workload, variant.subject, "ms", samples.get("ms"), {
              ...compare("noop/first", median(samples.get("ms")) / first.ms, { atMost: 0.1 }),
              details: {
                firstApplyMs: first.ms,
                callsPerRep: samples.details("ms"),
                // Cached in the Live client, but each one takes a token of the process's bucket.
                discoveryLookupsPerRep: samples.get("discover"),
              },
            }),
            row(workload, `${variant.subject}: API calls`, "calls", samples.get("calls"), {
              ...bound(median(samples.get("calls")), { atMost: requestBound }),
              details: { callsPerRep: samples.details("ms") },
            }),
            row(
              workload,
              `${variant.subject}: HTTP requests`,
              "requests",
              samples.get("requests"),
              {
                details: { requestsPerRep: samples.details("requests") },
              },
            ),
            row(workload, `${variant.subject}: writes`, "writes", samples.get("writes"), {
              ...bound(Math.max(...samples.get("writes")), { equals: 0 }),
            }),
          )
          // For scale: the same N no-op PATCHes sent bare, what "one request per object" costs.
          if (variant.limits === UNTHROTTLED) {
            const bareSamples: Array<number> = []
            for (let rep = 1; rep <= ctx.reps; rep++) {
              const result = yield* bare.apply(
                [renderedStage(names, ns, STAGE_SET, STAGE)],
                yield* currentObjects(ctx, ns),
              )
              bareSamples.push(result.ms)
              if (result.counts!.writes !== 0)
                out.notes.push(`bare no-op re-apply wrote ${result.counts!.writes} objects`)
            }
            out.rows.push(
              row(workload, "bare loop: N no-op applies", "ms", bareSamples, {
                comparison: {
                  label: "controller/bare",
                  value: median(samples.get("ms")) / median(bareSamples),
                },
              }),
            )
          }
          // The prune: 1 % of the manifests leave the source, one reconcile removes them.
          yield* ctx.setup
            .apply(sourceConfigMap(ns, SOURCE, kept), {
              fieldManager: "stageset-bench",
              force: true,
            })
            .pipe(Effect.orDie)
          const pruned = yield* controller.reconcile(ns, STAGE_SET, yield* currentObjects(ctx, ns))
          yield* verifyPruned(ctx, ns, removed, variant.subject)
          pruneMs.set(variant.subject, pruned.ms)
          ctx.progress(
            `B2 ${variant.subject} prune of ${removed.size}: ${fmtMs(pruned.ms)}, ${pruned.counts!.calls} API calls ${JSON.stringify(pruned.counts!.callsByVerbKind)}, ${pruned.counts!.writes} writes`,
          )
          pruneRows.push(
            row(pruneWorkload, variant.subject, "ms", [pruned.ms], {
              details: {
                calls: pruned.counts!.calls,
                callsByVerbKind: pruned.counts!.callsByVerbKind,
                requests: pruned.counts!.requests,
                writes: pruned.counts!.writes,
              },
            }),
          )
        }),
      )
    }

    // Flux: its own process, started after the controller's runs (it watches every
    // ConfigMap's metadata while it runs), with the controller's defaults.
    const settings = {
      concurrent: CONTROLLER_CONCURRENT,
      concurrentSsa: APPLY_CONCURRENCY,
      qps: defaultApiLimits.qps,
      burst: defaultApiLimits.burst,
    }
    out.sizes.fluxSettings = { ...settings, wait: false, prune: true }
    yield* Effect.scoped(
      Effect.gen(function* () {
        const flux = yield* fluxSession(ctx, settings, fluxTimeout(n))
        yield* withNamespace(ctx, "b2-flux", (ns) =>
          Effect.gen(function* () {
            const artifact = yield* packArtifact(names)
            yield* flux.subject.publish(ns, artifact)
            const first = yield* flux.subject.firstApply(ns, artifact.revision)
            ctx.progress(
              `B2 ${FLUX} first apply: ${fmtMs(first.ms)}, ${first.flux.requests} requests ${JSON.stringify(first.flux.byMethod)}`,
            )
            const samples = new Samples()
            for (let rep = 1; rep <= ctx.reps; rep++) {
              const before = yield* configMapVersions(ctx, ns)
              const again = yield* flux.subject.reconcileAgain(ns)
              const writes = changedOf(before, yield* configMapVersions(ctx, ns))
              samples.add("ms", again.ms, again.flux.byMethod)
              samples.add("requests", again.flux.requests, again.flux.byMethod)
              samples.add("writes", writes)
              ctx.progress(
                `B2 ${FLUX} rep ${rep}/${ctx.reps}: ${fmtMs(again.ms)}, ${again.flux.requests} requests ${JSON.stringify(again.flux.byMethod)}, ${writes} ConfigMaps written`,
              )
            }
            // Like for like: the controller without its qps limit (FLUX_THROTTLING_NOTE).
            const fluxMs = median(samples.get("ms"))
            const noopOf = (subject: string) => noopMs.get(subject) ?? Number.NaN
            out.rows.push(
              row(workload, FLUX, "ms", samples.get("ms"), {
                ...compare(
                  "flux/controller(no qps limit)",
                  fluxMs / noopOf("controller, no qps limit"),
                  { atLeast: 10 },
                ),
                details: {
                  firstApplyMs: first.ms,
                  firstApplyRequests: first.flux,
                  requestsPerRep: samples.details("ms"),
                  fluxOverController: fluxMs / noopOf("controller"),
                },
              }),
              row(workload, `${FLUX}: HTTP requests`, "requests", samples.get("requests"), {
                details: { requestsPerRep: samples.details("requests") },
              }),
              row(workload, `${FLUX}: ConfigMap writes`, "writes", samples.get("writes")),
            )
            out.notes.push(
              FLUX_THROTTLING_NOTE,
              `${FLUX}: no-op flux/controller(qps 50) = ${(fluxMs / noopOf("controller")).toFixed(2)}; first apply ${fmtMs(first.ms)} (${first.flux.requests} requests ${JSON.stringify(first.flux.byMethod)})`,
              `${FLUX}: requests are its own client-go counter (rest_client_requests_total) by method over the run, watches included; a no-op sends a GET and a server-side dry-run PATCH per object (no write: the ConfigMaps' resourceVersions do not move), plus its status patch and an event`,
            )

            const next = yield* packArtifact(kept)
            const pruned: { readonly ms: number; readonly flux: FluxRequests } =
              yield* flux.subject.applyRevision(ns, next)
            yield* verifyPruned(ctx, ns, removed, FLUX)
            ctx.progress(
              `B2 ${FLUX} prune of ${removed.size}: ${fmtMs(pruned.ms)}, ${pruned.flux.requests} requests ${JSON.stringify(pruned.flux.byMethod)}`,
            )
            const pruneOf = (subject: string) => pruneMs.get(subject) ?? Number.NaN
            pruneRows.push(
              row(pruneWorkload, FLUX, "ms", [pruned.ms], {
                comparison: {
                  label: "flux/controller(no qps limit)",
                  value: pruned.ms / pruneOf("controller, no qps limit"),
                },
                details: {
                  requests: pruned.flux,
                  fluxOverController: pruned.ms / pruneOf("controller"),
                },
              }),
            )
            out.notes.push(
              `${pruneWorkload}: flux/controller(qps 50) = ${(pruned.ms / pruneOf("controller")).toFixed(2)}; Flux sent ${pruned.flux.requests} requests ${JSON.stringify(pruned.flux.byMethod)}`,
            )
          }).pipe(Effect.ensuring(flux.subject.remove(ns))),
        )
      }),
    )
    out.rows.push(...pruneRows)
    out.notes.push(
      `${pruneWorkload}: ${removed.size} ConfigMap(s) leave the source (our ConfigMap source; Flux's artifact, a new revision), timed from that change to the reconcile's end (controller) or Ready for the new revision (Flux); all of them are checked gone. One sample per subject`,
    )
  })
