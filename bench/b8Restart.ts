import { Effect, type Scope } from "effect"
import {
  API_VERSION,
  APPLIED_DIGEST,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
} from "../src/inventory/Labels.ts"
import type { KubeObject } from "../src/kube/KubeObject.ts"
import { defaultApiLimits } from "../src/kube/resilientKubeClient.ts"
import { createStageSets } from "./b5ControllerRss.ts"
import { rawKubeClient } from "./support/cluster.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import type { RequestCounts } from "./support/countingKubeClient.ts"
import { withNamespace } from "./support/namespaces.ts"
import { bound, compare, median, row } from "./support/results.ts"
import { type ControllerSubject, makeControllerSubject } from "./support/subjects.ts"

const WRITE_VERBS = ["apply", "create", "update", "delete"]

/** Write requests (sent, whether or not they changed anything) on the members: ConfigMaps. */
const memberWrites = (counts: RequestCounts) =>
  WRITE_VERBS.reduce((sum, verb) => sum + (counts.callsByVerbKind[`${verb} ConfigMap`] ?? 0), 0)

const stageSetNames = (count: number) =>
  Array.from({ length: count }, (_, i) => `ss-${String(i).padStart(3, "0")}`)

/** Every StageSet reconciled once, one after the other: total time and member write requests. */
const reconcileAll = (
  ctx: BenchContext,
  subject: ControllerSubject,
  namespace: string,
  names: ReadonlyArray<string>,
) =>
  Effect.gen(function* () {
    const seed = (yield* ctx.setup
      .list({ apiVersion: "v1", kind: "ConfigMap" }, { namespace })
      .pipe(Effect.orDie)).items as ReadonlyArray<KubeObject>
    let ms = 0
    let writes = 0
    let calls = 0
    for (const name of names) {
      const result = yield* subject.reconcile(namespace, name, seed)
      ms += result.ms
      writes += memberWrites(result.counts!)
      calls += result.counts!.calls
    }
    return { ms, writes, calls }
  })

/** A fresh controller: new layers, so nothing applied is remembered in memory (a restart). */
const freshController = (ctx: BenchContext, agent: string) =>
  Effect.flatMap(rawKubeClient(ctx.cluster.kubeconfigPath, agent), (raw) =>
    makeControllerSubject(raw, defaultApiLimits),
  )

/** What an earlier version left: no applied digest on any shard (PUT as a person would). */
const dropDigests = (ctx: BenchContext, namespace: string, names: ReadonlyArray<string>) =>
  Effect.forEach(
    names,
    (name) =>
      Effect.gen(function* () {
        const shards = yield* ctx.setup.list(
          { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND },
          { namespace, labelSelector: `${LABEL_STAGE_SET}=${name}` },
        )
        for (const shard of shards.items) {
          const { [APPLIED_DIGEST]: _dropped, ...annotations } = shard.metadata.annotations ?? {}
          yield* ctx.setup.update({ ...shard, metadata: { ...shard.metadata, annotations } })
        }
      }),
    { concurrency: 4, discard: true },
  ).pipe(Effect.orDie)

/**
 * B8: `stageSets` StageSets of `objects` ConfigMaps each made Ready by one controller (timed:
 * the first apply of the same N, B1's workload at this size), then a fresh controller (a
 * restart: nothing in memory) reconciles each once with nothing changed: its time and the
 * write requests it sends to members. For scale, the same restart once more with the
 * applied digests removed from every shard, which is what every restart cost before them.
 * StageSets are reconciled one at a time in every phase, so each one's requests are
 * counted on their own.
 */
export const b8Restart = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { stageSets, objects } = ctx.sizes.b8
    const names = stageSetNames(stageSets)
    const n = stageSets * objects
    out.sizes.stageSets = stageSets
    out.sizes.objectsPerStageSet = objects
    out.notes.push(
      "each phase reconciles the StageSets one after the other (reconcileStageSet in process, default qps/burst); writes = PATCH/PUT/POST/DELETE requests on member ConfigMaps, sent whether or not they change anything",
    )
    const samples = new Samples()
    for (let rep = 1; rep <= ctx.reps; rep++) {
      yield* withNamespace(ctx, "b8", (ns) =>
        Effect.scoped(
          Effect.gen(function* () {
            yield* createStageSets(ctx, ns, stageSets, objects)
            const cold = yield* reconcileAll(
              ctx,
              yield* freshController(ctx, "b8-first"),
              ns,
              names,
            )
            const restart = yield* reconcileAll(
              ctx,
              yield* freshController(ctx, "b8-restart"),
              ns,
              names,
            )
            yield* dropDigests(ctx, ns, names)
            const undigested = yield* reconcileAll(
              ctx,
              yield* freshController(ctx, "b8-no-digest"),
              ns,
              names,
            )
            samples.add("cold", cold.ms)
            samples.add("restart", restart.ms, { calls: restart.calls })
            samples.add("restartWrites", restart.writes)
            samples.add("undigested", undigested.ms)
            samples.add("undigestedWrites", undigested.writes)
            ctx.progress(
              `B8 rep ${rep}/${ctx.reps}: first apply ${fmtMs(cold.ms)} (${cold.writes} member writes); restart ${fmtMs(restart.ms)} (${restart.writes} member writes, ${restart.calls} API calls); restart without digests ${fmtMs(undigested.ms)} (${undigested.writes} member writes)`,
            )
          }),
        ),
      )
    }
    const workload = `restart, ${stageSets} StageSets x ${objects} = ${n} objects`
    const coldMs = median(samples.get("cold"))
    out.rows.push(
      row(workload, "controller: first apply (B1, same N)", "ms", samples.get("cold")),
      row(workload, "controller: first reconcile after restart", "ms", samples.get("restart"), {
        ...compare("restart/first apply", median(samples.get("restart")) / coldMs, {
          atMost: 0.1,
        }),
        details: { perRep: samples.details("restart") },
      }),
      row(
        workload,
        "controller: member writes after restart",
        "writes",
        samples.get("restartWrites"),
        bound(Math.max(...samples.get("restartWrites")), { equals: 0 }),
      ),
      row(workload, "restart without applied digests (before)", "ms", samples.get("undigested"), {
        comparison: {
          label: "before/first apply",
          value: median(samples.get("undigested")) / coldMs,
        },
      }),
      row(
        workload,
        "member writes without applied digests (before)",
        "writes",
        samples.get("undigestedWrites"),
      ),
    )
  })
