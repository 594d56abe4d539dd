import { Effect, type Scope } from "effect"
import { shardLeaseName } from "../src/controller/ShardLeases.ts"
import type { KubeClientApi } from "../src/kube/KubeClient.ts"
import { createStageSets } from "./b5ControllerRss.ts"
import { type Collector, fmtMs, Samples } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { awaitDeleted, withNamespace } from "./support/namespaces.ts"
import {
  type ControllerProcess,
  processReconciles,
  processRequests,
  readMemory,
  startControllerProcess,
} from "./support/process.ts"
import { bound, median, row } from "./support/results.ts"
import { waitAllReady } from "./support/stageSets.ts"

const SHARDS = 4
/** The shard Leases' duration (the leader election's default): the target of a shard move. */
const LEASE_SECONDS = 15

const total = (byVerb: Readonly<Record<string, number>>) =>
  Object.values(byVerb).reduce((sum, n) => sum + n, 0)

/** Who holds each shard Lease ("" = nobody). */
const holders = (kube: KubeClientApi, namespace: string) =>
  Effect.forEach(
    Array.from({ length: SHARDS }, (_, k) => k),
    (k) =>
      kube
        .get({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          namespace,
          name: shardLeaseName(k),
        })
        .pipe(
          Effect.map(
            (l) => (l.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? "",
          ),
          Effect.orElseSucceed(() => ""),
        ),
  )

/** Polls (every 100 ms) until `check` holds; the milliseconds since `since`. */
const until = (check: Effect.Effect<boolean>, since: number) =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep("100 millis")
    return performance.now() - since
  })

/** The identity a process logged at start (its shard Leases' holderIdentity). */
const identityOf = (proc: ControllerProcess) =>
  Effect.map(proc.startLine, (line) => /"identity":"([^"]+)"/.exec(line)?.[1] ?? `pid-${proc.pid}`)

/**
 * B11: N StageSets of M ConfigMaps from cold, first with one controller process at its
 * default flags, then with `--shards=4` and two processes (their Leases in the run's
 * namespace; the clock starts once every shard has a holder). Reported per variant: time to
 * all Ready, RSS of each process, API requests per StageSet (all processes), and, with two,
 * how the reconciles split. Then the process holding more shards is killed (SIGKILL, nothing
 * released) and the time until the other holds every shard Lease is the shard move, against
 * one lease period.
 */
export const b11ScaleOut = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { stageSets, objects } = ctx.sizes.b11
    out.sizes.stageSets = stageSets
    out.sizes.objectsPerStageSet = objects
    out.sizes.shards = SHARDS
    const workload = `${stageSets} StageSets x ${objects} from cold`
    const samples = new Samples()
    for (let rep = 1; rep <= ctx.reps; rep++) {
      yield* awaitDeleted(ctx.setup)
      yield* withNamespace(ctx, "b11", (ns) =>
        Effect.scoped(
          Effect.gen(function* () {
            const proc = yield* startControllerProcess(ctx.cluster.kubeconfigPath, [])
            const t0 = performance.now()
            yield* createStageSets(ctx, ns, stageSets, objects)
            const ms = yield* waitAllReady(ctx.setup, ns, stageSets, t0, { every: "500 millis" })
            const memory = yield* readMemory(proc.pid)
            const requests = yield* processRequests(proc.metricsUrl)
            samples.add("one: ms", ms, requests)
            samples.add("one: rss", memory.rssMiB)
            samples.add("one: requests/StageSet", total(requests) / stageSets)
            ctx.progress(
              `B11 one process rep ${rep}/${ctx.reps}: all Ready in ${fmtMs(ms)}; RSS ${memory.rssMiB.toFixed(1)} MiB; ${(total(requests) / stageSets).toFixed(1)} requests/StageSet`,
            )
          }),
        ),
      )
      yield* awaitDeleted(ctx.setup)
      yield* withNamespace(ctx, "b11s", (ns) =>
        Effect.scoped(
          Effect.gen(function* () {
            const flags = [
              `--shards=${SHARDS}`,
              `--leader-election-namespace=${ns}`,
              // The start line names the identity the Leases hold.
              "--log-level=info",
            ]
            const [a, b] = yield* Effect.all(
              [
                startControllerProcess(ctx.cluster.kubeconfigPath, flags),
                startControllerProcess(ctx.cluster.kubeconfigPath, flags),
              ],
              { concurrency: 2 },
            )
            yield* until(
              Effect.map(holders(ctx.setup, ns), (h) => h.every((id) => id !== "")),
              performance.now(),
            )
            const t0 = performance.now()
            yield* createStageSets(ctx, ns, stageSets, objects)
            const ms = yield* waitAllReady(ctx.setup, ns, stageSets, t0, { every: "500 millis" })
            const procs = [a, b] as const
            const memory = yield* Effect.forEach(procs, (p) => readMemory(p.pid))
            const requests = yield* Effect.forEach(procs, (p) => processRequests(p.metricsUrl))
            const reconciles = yield* Effect.forEach(procs, (p) => processReconciles(p.metricsUrl))
            const ids = yield* Effect.forEach(procs, identityOf)
            const held = yield* holders(ctx.setup, ns)
            const shardsOf = ids.map((id) => held.filter((h) => h === id).length)
            const perStageSet = requests.map(total).reduce((s, n) => s + n, 0) / stageSets
            samples.add("two: ms", ms, { requests, reconciles, shardsOf })
            samples.add("two: rss max", Math.max(...memory.map((m) => m.rssMiB)))
            samples.add("two: requests/StageSet", perStageSet)
            out.notes.push(
              `two processes rep ${rep}: shards held ${shardsOf.join("/")}, reconciles ${reconciles.join("/")} (StageSets ${stageSets}), RSS ${memory.map((m) => m.rssMiB.toFixed(1)).join("/")} MiB`,
            )
            ctx.progress(
              `B11 --shards=${SHARDS} x2 rep ${rep}/${ctx.reps}: all Ready in ${fmtMs(ms)}; shards ${shardsOf.join("/")}, reconciles ${reconciles.join("/")}; ${perStageSet.toFixed(1)} requests/StageSet`,
            )

            // Kill the process holding more shards; time until the other holds all of them.
            const victim = (shardsOf[0] ?? 0) >= (shardsOf[1] ?? 0) ? 0 : 1
            const survivor = ids[1 - victim] as string
            const killedAt = performance.now()
            yield* procs[victim].kill
            const moved = yield* until(
              Effect.map(holders(ctx.setup, ns), (h) => h.every((id) => id === survivor)),
              killedAt,
            )
            samples.add("shard move", moved)
            ctx.progress(
              `B11 rep ${rep}/${ctx.reps}: killed the holder of ${shardsOf[victim]} shards; the other held all ${SHARDS} after ${fmtMs(moved)} (lease ${LEASE_SECONDS} s)`,
            )
          }),
        ),
      )
    }
    const ms = (key: string) => samples.get(key)
    out.rows.push(
      row(workload, "one process, default flags", "ms", ms("one: ms"), {
        details: {
          apiRequestsByVerbPerRep: samples.details("one: ms"),
          rssMiB: ms("one: rss"),
          requestsPerStageSet: ms("one: requests/StageSet"),
        },
      }),
      row(workload, `--shards=${SHARDS}, two processes`, "ms", ms("two: ms"), {
        details: {
          perRep: samples.details("two: ms"),
          maxRssMiB: ms("two: rss max"),
          requestsPerStageSet: ms("two: requests/StageSet"),
        },
      }),
      row("RSS when all Ready", "one process", "MiB", ms("one: rss")),
      row("RSS when all Ready", "largest of two sharded", "MiB", ms("two: rss max")),
      row("API requests per StageSet", "one process", "req", ms("one: requests/StageSet")),
      row("API requests per StageSet", "two sharded (sum)", "req", ms("two: requests/StageSet")),
      row("kill one: every shard held by the other", "shard move", "ms", ms("shard move"), {
        // Expiry comes at most one lease after the victim's last renewal (before the kill),
        // then the survivor needs at most one jittered retry period to take the shards.
        ...bound(median(ms("shard move")), { atMost: (LEASE_SECONDS + 2.4) * 1000 }, "ms"),
      }),
    )
  })
