import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { beforeAll } from "vitest"
import { API_VERSION } from "../../src/inventory/Labels.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import { expectConverged } from "../acceptance/harness/crashCheck.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  entryIds,
  getObject,
  setSource,
  setStageSet,
  shardsOf,
  statusOf,
  uniqueName,
  yamlOf,
} from "../acceptance/harness/fixtures.ts"
import { installCrds } from "../acceptance/harness/installCrds.ts"
import { managedByController, orphans } from "../acceptance/harness/invariants.ts"
import { httpGet, runLive, startController, waitHealthy } from "./process/controllerProcess.ts"
import { eventually } from "./support.ts"

/**
 * The controller binary (`node src/main.ts`, as the container runs it) against the real API
 * server: nobody calls reconcile here; the process watches, queues and reconciles on its own.
 */

const readyOf = (namespace: string, name: string) =>
  Effect.map(statusOf(namespace, name), (s) => s?.conditions?.find((c) => c.type === "Ready"))

const expectReady = (namespace: string, name: string) =>
  eventually(
    Effect.flatMap(readyOf(namespace, name), (ready) =>
      ready?.status === "True"
        ? Effect.succeed(ready)
        : Effect.fail(new Error(`not Ready yet: ${JSON.stringify(ready)}`)),
    ),
  )

const maps = (names: ReadonlyArray<string>) => yamlOf(names.map((n) => configMap(n)))

const exists = (namespace: string, name: string) =>
  Effect.map(getObject(cmKey(namespace, name)), (o) => o !== undefined)

beforeAll(() => runLive(installCrds), 120_000)

describe("the controller process", () => {
  it(
    "takes a StageSet from nothing to Ready, prunes on change, tears down on delete",
    () =>
      runLive(
        Effect.gen(function* () {
          const kube = yield* KubeClient
          const ns = uniqueName("proc")
          yield* createNamespace(ns)
          const proc = yield* startController(["--concurrent=2"])
          yield* waitHealthy(proc)

          yield* setSource(ns, "src-one", { "one.yaml": maps(["a1", "a2"]) })
          yield* setSource(ns, "src-two", { "two.yaml": maps(["b1", "b2"]) })
          yield* setStageSet(ns, "ss", [
            { name: "one", source: "src-one" },
            { name: "two", source: "src-two" },
          ])
          const ready = yield* expectReady(ns, "ss")
          expect(ready.reason).toBe("Succeeded")
          const status = yield* statusOf(ns, "ss")
          expect(status?.stages?.map((s) => [s.name, s.phase, s.entriesCount])).toEqual([
            ["one", "Ready", 2],
            ["two", "Ready", 2],
          ])
          for (const name of ["a1", "a2", "b1", "b2"]) expect(yield* exists(ns, name)).toBe(true)

          // A source edit alone (no StageSet change) triggers the reconcile that prunes.
          yield* setSource(ns, "src-one", { "one.yaml": maps(["a1"]) })
          yield* eventually(
            Effect.flatMap(exists(ns, "a2"), (still) =>
              still ? Effect.fail(new Error("a2 still exists")) : Effect.void,
            ),
          )
          // The record settles after the prune's delete, in a write of its own.
          yield* eventually(
            Effect.flatMap(shardsOf(ns, "ss"), (shards) =>
              Effect.try(() => expect(entryIds(shards, "one")).toEqual([`${ns}_a1__ConfigMap`])),
            ),
            "20 seconds",
          )

          // A reconcile on request (what `flux reconcile` / `stagesetctl reconcile` do) is handled
          // and acknowledged in status.
          const requestedAt = new Date().toISOString()
          yield* kube.apply(
            {
              apiVersion: API_VERSION,
              kind: "StageSet",
              metadata: {
                name: "ss",
                namespace: ns,
                annotations: { "reconcile.fluxcd.io/requestedAt": requestedAt },
              },
            },
            { fieldManager: "requester", force: true },
          )
          yield* eventually(
            Effect.flatMap(statusOf(ns, "ss"), (s) => {
              const handled = (s as { lastHandledReconcileAt?: string } | undefined)
                ?.lastHandledReconcileAt
              return handled === requestedAt
                ? Effect.void
                : Effect.fail(new Error(`handled ${handled}`))
            }),
          )

          // What changed is told as Events on the StageSet.
          const events = yield* kube.list({ apiVersion: "v1", kind: "Event" }, { namespace: ns })
          const reasons = events.items
            .filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === "ss")
            .map((e) => e.reason)
          expect(reasons).toContain("StageApplied")

          const metrics = yield* httpGet(proc.metricsUrl)
          expect(metrics.status).toBe(200)
          expect(metrics.body).toMatch(/stageset_inventory_entries\{[^}]*stage="one"[^}]*\} 1/)
          expect(metrics.body).toMatch(/stageset_reconcile_total\{[^}]*result="ready"[^}]*\} [1-9]/)
          expect((yield* httpGet(`${proc.healthUrl}/readyz`)).status).toBe(200)

          // Delete: every object, then the shards, then the finalizer; the StageSet disappears.
          yield* kube.delete({
            apiVersion: API_VERSION,
            kind: "StageSet",
            namespace: ns,
            name: "ss",
          })
          yield* eventually(
            Effect.flatMap(
              getObject({ apiVersion: API_VERSION, kind: "StageSet", namespace: ns, name: "ss" }),
              (o) =>
                o === undefined ? Effect.void : Effect.fail(new Error("StageSet still there")),
            ),
          )
          for (const name of ["a1", "b1", "b2"]) expect(yield* exists(ns, name)).toBe(false)
          expect(yield* shardsOf(ns, "ss")).toEqual([])
          for (const name of ["src-one", "src-two"]) expect(yield* exists(ns, name)).toBe(true)

          // SIGTERM: a clean exit.
          expect(yield* proc.terminate).toBe(0)
        }),
      ),
    180_000,
  )

  it(
    "converges after being killed in the middle of a reconcile and restarted",
    () =>
      runLive(
        Effect.gen(function* () {
          const ns = uniqueName("kill")
          yield* createNamespace(ns)
          const before = Array.from({ length: 120 }, (_, i) => `m${i}`)
          yield* setSource(ns, "src-one", { "one.yaml": maps(before) })
          yield* setSource(ns, "src-two", { "two.yaml": maps(["t1", "t2"]) })
          yield* setStageSet(ns, "ss", [
            { name: "one", source: "src-one" },
            { name: "two", source: "src-two" },
          ])
          // A slow token bucket makes the first reconcile take seconds, so the kill lands inside it.
          const first = yield* startController(["--kube-api-qps=15", "--kube-api-burst=5"])
          const kube = yield* KubeClient
          const applied = () =>
            Effect.map(kube.list({ apiVersion: "v1", kind: "ConfigMap" }, { namespace: ns }), (l) =>
              l.items.filter(managedByController),
            )
          yield* eventually(
            Effect.flatMap(applied(), (items) =>
              items.length >= 20 ? Effect.void : Effect.fail(new Error(`${items.length} applied`)),
            ),
          )
          yield* first.kill
          const atKill = (yield* applied()).length
          expect(atKill).toBeLessThan(before.length + 2)
          expect((yield* readyOf(ns, "ss"))?.status).not.toBe("True")

          // Meanwhile the render changes: half of stage one goes, two new objects come.
          const after = [...before.slice(60), "n1", "n2"]
          yield* setSource(ns, "src-one", { "one.yaml": maps(after) })
          const second = yield* startController()
          yield* waitHealthy(second)
          yield* expectReady(ns, "ss")
          yield* expectConverged({
            namespace: ns,
            stageSet: "ss",
            mode: "hybrid",
            shardCap: 5000,
            stages: { one: after, two: ["t1", "t2"] },
            survivors: [],
            stageSetExists: true,
          })
          const render = new Set([...after, "t1", "t2"].map((n) => `${ns}_${n}__ConfigMap`))
          expect(
            yield* orphans({
              namespace: ns,
              kinds: [{ apiVersion: "v1", kind: "ConfigMap" }],
              render,
            }),
          ).toEqual([])
          yield* second.terminate
        }),
      ),
    180_000,
  )
})

describe("flags of the Go stageset-controller", () => {
  it("one this controller lacks stops the process with exit code 2, naming it", () =>
    runLive(
      Effect.gen(function* () {
        const proc = yield* startController(["--enable-webhook=false", "--leader-elect"])
        const code = yield* eventually(
          Effect.suspend(() => {
            const exit = proc.exitCode()
            return exit === undefined
              ? Effect.fail(new Error("still running"))
              : Effect.succeed(exit)
          }),
        )
        expect(code).toBe(2)
        expect(yield* proc.log).toContain(
          "--enable-webhook is a flag of the Go stageset-controller that this controller does not have (there is no admission webhook); remove it",
        )
      }),
    ))
})

describe("leader election between two processes", () => {
  it(
    "only the leader reconciles; the other takes over when the leader is killed",
    () =>
      runLive(
        Effect.gen(function* () {
          const ns = uniqueName("lease")
          yield* createNamespace(ns)
          // Bare, as the Go implementation's deployments pass it.
          const flags = ["--leader-elect", `--leader-election-namespace=${ns}`]
          const a = yield* startController(flags)
          yield* waitHealthy(a)
          const leaseKey = {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            namespace: ns,
            name: "stageset-controller.stages.metio.wtf",
          }
          const holder = eventually(
            Effect.flatMap(getObject(leaseKey), (lease) => {
              const id = (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity
              return id === undefined || id === ""
                ? Effect.fail(new Error("no holder"))
                : Effect.succeed(id)
            }),
          )
          const first = yield* holder
          const b = yield* startController(flags)
          yield* waitHealthy(b)

          yield* setSource(ns, "src", { "s.yaml": maps(["x"]) })
          yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
          yield* expectReady(ns, "ss")
          // The standby never reconciled: its metrics count no reconcile at all.
          const standby = yield* httpGet(b.metricsUrl)
          expect(standby.body).not.toMatch(/stageset_reconcile_total\{[^}]*\} [1-9]/)
          expect((yield* a.log).includes(first) || (yield* b.log).includes(first)).toBe(true)
          expect((yield* a.log).includes(first)).toBe(true)

          yield* a.kill
          // The standby takes the lease after it expires and reconciles new work.
          const second = yield* eventually(
            Effect.flatMap(holder, (id) =>
              id === first ? Effect.fail(new Error("still the old leader")) : Effect.succeed(id),
            ),
            Duration.seconds(45),
          )
          expect((yield* b.log).includes(second)).toBe(true)
          yield* setStageSet(ns, "ss2", [{ name: "only", source: "src" }])
          yield* expectReady(ns, "ss2")

          // A graceful stop gives the lease up at once.
          expect(yield* b.terminate).toBe(0)
          const released = yield* getObject(leaseKey)
          expect(
            (released?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? "",
          ).not.toBe(second)
        }),
      ),
    180_000,
  )
})
