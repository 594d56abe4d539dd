import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { beforeAll, inject } from "vitest"
import { shardLeaseName } from "../../src/controller/ShardLeases.ts"
import { stageSetShard } from "../../src/controller/shardAssignment.ts"
import { proxied } from "../acceptance/harness/faultProxy.ts"
import {
  configMap,
  createNamespace,
  getObject,
  setSource,
  setStageSet,
  statusOf,
  uniqueName,
  yamlOf,
} from "../acceptance/harness/fixtures.ts"
import { installCrds } from "../acceptance/harness/installCrds.ts"
import {
  type ControllerProcess,
  runLive,
  startController,
  waitHealthy,
} from "./process/controllerProcess.ts"
import { eventually } from "./support.ts"

/**
 * `--shards` with two controller processes against the real API server. Who reconciled what,
 * and when, is read from each process's own debug log ("reconcile started" / "reconcile
 * ended", annotated with the StageSet's key), so nothing here reaches into a process.
 */

const SHARDS = 4

interface Run {
  readonly start: number
  readonly end: number | undefined
}

/** The reconciles in a process's log, per StageSet key, in order. */
const runsOf = (log: string): Map<string, Array<Run>> => {
  const runs = new Map<string, Array<Run>>()
  for (const line of log.split("\n")) {
    if (!line.startsWith("{")) continue
    const entry = JSON.parse(line) as {
      message?: unknown
      timestamp?: string
      annotations?: { key?: string }
    }
    const key = entry.annotations?.key
    if (key === undefined || entry.timestamp === undefined) continue
    const at = Date.parse(entry.timestamp)
    const list = runs.get(key) ?? []
    if (entry.message === "reconcile started") list.push({ start: at, end: undefined })
    else if (entry.message === "reconcile ended") {
      const open = list.findLast((r) => r.end === undefined)
      if (open !== undefined) list[list.indexOf(open)] = { start: open.start, end: at }
    }
    runs.set(key, list)
  }
  return runs
}

const runsIn = (proc: ControllerProcess) => Effect.map(proc.log, runsOf)

const holders = (namespace: string) =>
  Effect.forEach(
    Array.from({ length: SHARDS }, (_, k) => k),
    (k) =>
      Effect.map(
        getObject({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          namespace,
          name: shardLeaseName(k),
        }),
        (lease) => (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? "",
      ),
  )

/** The identity a process logged at start (the holderIdentity of its Leases). */
const identityOf = (proc: ControllerProcess) =>
  eventually(
    Effect.flatMap(proc.log, (log) => {
      const id = /"identity":"([^"]+)"/.exec(log)?.[1]
      return id === undefined ? Effect.fail(new Error("no start line yet")) : Effect.succeed(id)
    }),
  )

const expectReady = (namespace: string, name: string) =>
  eventually(
    Effect.flatMap(statusOf(namespace, name), (s) =>
      s?.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        ? Effect.void
        : Effect.fail(new Error(`${name} not Ready yet`)),
    ),
    Duration.seconds(90),
  )

/** `count` StageSets of one ConfigMap each, re-reconciled every few seconds. */
const stageSets = (namespace: string, count: number) =>
  Effect.gen(function* () {
    yield* setSource(namespace, "src", { "s.yaml": yamlOf([configMap("x")]) })
    const names = Array.from({ length: count }, (_, i) => `ss-${i}`)
    for (const name of names)
      yield* setStageSet(namespace, name, [{ name: "only", source: "src" }], { interval: "3s" })
    for (const name of names) yield* expectReady(namespace, name)
    return names.map((name) => `${namespace}/${name}`)
  })

const flags = (namespace: string) => [
  `--shards=${SHARDS}`,
  `--leader-election-namespace=${namespace}`,
  "--concurrent=2",
]

beforeAll(() => runLive(installCrds), 120_000)

describe("--shards with two controller processes", () => {
  it(
    "each StageSet is reconciled by exactly one process; a killed one's shards move to the other",
    () =>
      runLive(
        Effect.gen(function* () {
          const ns = uniqueName("shards")
          yield* createNamespace(ns)
          const a = yield* startController(flags(ns))
          const b = yield* startController(flags(ns))
          yield* Effect.all([waitHealthy(a), waitHealthy(b)])
          const ids = { a: yield* identityOf(a), b: yield* identityOf(b) }
          const keys = yield* stageSets(ns, 8)
          // Several intervals of steady state.
          yield* Effect.sleep(Duration.seconds(8))

          const before = { a: yield* runsIn(a), b: yield* runsIn(b) }
          const shardsHeld = yield* holders(ns)
          for (const key of keys) {
            const by = (["a", "b"] as const).filter((p) => (before[p].get(key) ?? []).length > 0)
            expect(by, key).toHaveLength(1)
            // ... and that process holds the key's shard Lease.
            expect(shardsHeld[stageSetShard(key, SHARDS)], key).toBe(ids[by[0] as "a" | "b"])
          }

          // Kill the process holding the most shards (SIGKILL: nothing is released).
          const countOf = (id: string) => shardsHeld.filter((h) => h === id).length
          const [victim, survivor, survivorId] =
            countOf(ids.a) >= countOf(ids.b) ? [a, b, ids.b] : [b, a, ids.a]
          yield* victim.kill
          const killedAt = Date.now()
          yield* eventually(
            Effect.flatMap(holders(ns), (h) =>
              h.every((id) => id === survivorId)
                ? Effect.void
                : Effect.fail(new Error(`holders ${h.join(",")}`)),
            ),
            Duration.seconds(60),
          )
          // Every StageSet, the victim's included, is reconciled by the survivor after the kill.
          yield* eventually(
            Effect.flatMap(runsIn(survivor), (runs) => {
              const missing = keys.filter(
                (key) => !(runs.get(key) ?? []).some((r) => r.start > killedAt),
              )
              return missing.length === 0
                ? Effect.void
                : Effect.fail(new Error(`not reconciled since the kill: ${missing.join(",")}`))
            }),
            Duration.seconds(30),
          )
          yield* setStageSet(ns, "late", [{ name: "only", source: "src" }])
          yield* expectReady(ns, "late")
        }),
      ),
    240_000,
  )

  it(
    "a replica whose Lease renewals fail stops reconciling before the other takes its shards",
    () =>
      runLive(
        Effect.gen(function* () {
          const ns = uniqueName("partition")
          yield* createNamespace(ns)
          // a talks to the API server through a fault proxy; b directly.
          const proxy = yield* proxied(inject("kubeconfig"))
          const a = yield* startController(flags(ns), proxy.kubeconfig)
          yield* waitHealthy(a)
          const idA = yield* identityOf(a)
          yield* eventually(
            Effect.flatMap(holders(ns), (h) =>
              h.every((id) => id === idA) ? Effect.void : Effect.fail(new Error("not all a's")),
            ),
          )
          const keys = yield* stageSets(ns, 6)
          const b = yield* startController(flags(ns))
          yield* waitHealthy(b)
          const idB = yield* identityOf(b)

          // From now on a's Lease writes fail; everything else of a still reaches the server.
          yield* proxy.injector.inject({
            times: 1_000_000,
            verb: "update",
            kind: "Lease",
            namespace: ns,
            fault: "500",
          })
          yield* eventually(
            Effect.flatMap(holders(ns), (h) =>
              h.every((id) => id === idB) ? Effect.void : Effect.fail(new Error("not all b's")),
            ),
            Duration.seconds(60),
          )
          yield* eventually(
            Effect.flatMap(runsIn(b), (runs) =>
              keys.every((key) => (runs.get(key) ?? []).length > 0)
                ? Effect.void
                : Effect.fail(new Error("b has not reconciled every StageSet yet")),
            ),
            Duration.seconds(30),
          )

          const runsA = yield* runsIn(a)
          const runsB = yield* runsIn(b)
          for (const key of keys) {
            const ofA = runsA.get(key) ?? []
            expect(ofA.length, key).toBeGreaterThan(0)
            // Every run of a ended (finished or interrupted) before b's first began.
            expect(
              ofA.every((r) => r.end !== undefined),
              key,
            ).toBe(true)
            const lastEndA = Math.max(...ofA.map((r) => r.end ?? Number.POSITIVE_INFINITY))
            const firstStartB = Math.min(...(runsB.get(key) ?? []).map((r) => r.start))
            expect(lastEndA, key).toBeLessThan(firstStartB)
          }
          const log = yield* a.log
          for (let k = 0; k < SHARDS; k++) expect(log).toContain(`dropped shard ${k}`)
          // Losing shards is not fatal: a keeps running, ready to take a free shard again.
          expect(a.exitCode()).toBeUndefined()
        }),
      ),
    240_000,
  )
})
