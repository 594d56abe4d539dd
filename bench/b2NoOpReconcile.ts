import { Effect, type Scope } from "effect"
import { API_VERSION, STAGE_INVENTORY_KIND, STAGE_SET_KIND } from "../src/inventory/Labels.ts"
import { shardsNeeded } from "../src/inventory/ShardPlan.ts"
import type { KubeObject } from "../src/kube/KubeObject.ts"
import { defaultApiLimits } from "../src/kube/resilientKubeClient.ts"
import { defaultReconcileConfig } from "../src/programs/ReconcileConfig.ts"
import { STAGE, STAGE_SET, writeStageSet } from "./b1FirstApply.ts"
import { rawKubeClient } from "./support/cluster.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { LIST_PAGE_SIZE } from "./support/countingKubeClient.ts"
import { objectNames, renderedStage } from "./support/manifests.ts"
import { withNamespace } from "./support/namespaces.ts"
import { bound, compare, median, row } from "./support/results.ts"
import { makeBareSubject, makeControllerSubject, UNTHROTTLED } from "./support/subjects.ts"

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

/**
 * B2: a stage of N ConfigMaps applied once (timed: the reference), then reconciled again
 * with nothing changed, `reps` times: time, requests by verb and writes of each run.
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
        }),
      )
    }
  })
