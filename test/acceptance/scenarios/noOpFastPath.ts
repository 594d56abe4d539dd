import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  API_VERSION,
  RECONCILE_REQUESTED_AT,
  RECONCILE_STAGE,
} from "../../../src/inventory/Labels.ts"
import { shardName } from "../../../src/inventory/ShardName.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { isSimulatedCrash } from "../harness/crashCheck.ts"
import {
  type AcceptanceEnv,
  MODES,
  type ScenarioServices,
  scenarioLayer,
  sharedCluster,
} from "../harness/Env.ts"
import {
  cmKey,
  configMap,
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  statusOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { Recorder } from "../harness/Recorder.ts"

const ready = { _tag: "Ready" }

/** The writes of one reconcile, as "verb Kind/name". */
const writesOf = (namespace: string, name: string) =>
  Effect.gen(function* () {
    const recorder = yield* Recorder
    yield* recorder.clear
    expect((yield* reconcile(namespace, name)).outcome).toEqual(ready)
    return (yield* recorder.writes).map((w) => `${w.verb} ${w.key.kind}/${w.key.name}`)
  })

/** A namespace with StageSet `ss` of stages s0, s1, s2 (ConfigMaps a, b, c), reconciled Ready. */
const threeStagesReady = Effect.gen(function* () {
  const ns = uniqueName("restage")
  yield* createNamespace(ns)
  yield* setSource(ns, "src-0", { "x.yaml": yamlOf([configMap("a")]) })
  yield* setSource(ns, "src-1", { "x.yaml": yamlOf([configMap("b")]) })
  yield* setSource(ns, "src-2", { "x.yaml": yamlOf([configMap("c")]) })
  yield* setStageSet(ns, "ss", [
    { name: "s0", source: "src-0" },
    { name: "s1", source: "src-1" },
    { name: "s2", source: "src-2" },
  ])
  expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
  return ns
})

/**
 * performance.md B2 as behaviour: a reconcile with nothing changed sends no apply at all,
 * yet anything someone else changed, deleted or relabelled since our last apply is applied
 * again, and a changed render applies exactly what changed.
 */
export const noOpFastPath = (env: AcceptanceEnv) =>
  describe.each(MODES)(`no-op fast path [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      Effect.provide(body, scenarioLayer(env.kube(), { mode }))

    it.live("nothing changed: no apply; drift, deletion and a changed render are applied", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("fast")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", {
            "x.yaml": yamlOf([configMap("a"), configMap("b"), configMap("c")]),
          })
          yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)

          expect(yield* writesOf(ns, "ss")).toEqual([])

          // Someone edits a (a `kubectl edit` that drops our key), deletes b, and replaces
          // c's labels (dropping our part-of label in hybrid/applyset): each moves a
          // resourceVersion, and each must be applied again.
          const kube = yield* KubeClient
          const a = (yield* getObject(cmKey(ns, "a")))!
          yield* kube.update({ ...a, data: { edited: "by hand" } })
          yield* kube.delete(cmKey(ns, "b"))
          const c = (yield* getObject(cmKey(ns, "c")))!
          yield* kube.update({
            ...c,
            metadata: { ...c.metadata, labels: { team: "someone-else" } },
          })
          // Shard 0's applied digest then records the new versions (for a restart).
          expect((yield* writesOf(ns, "ss")).sort()).toEqual([
            "apply ConfigMap/a",
            "apply ConfigMap/b",
            "apply ConfigMap/c",
            `apply StageInventory/${shardName("ss", "only", 0)}`,
          ])
          expect((yield* getObject(cmKey(ns, "a")))?.data).toMatchObject({ key: "a" })
          expect(yield* getObject(cmKey(ns, "b"))).toBeDefined()
          expect(yield* writesOf(ns, "ss")).toEqual([])

          // A changed render: only the changed object is applied.
          yield* setSource(ns, "src", {
            "x.yaml": yamlOf([configMap("a"), configMap("b", { key: "new" }), configMap("c")]),
          })
          // (Status and the source's revision change too; among the members only b is applied.)
          const members = (yield* writesOf(ns, "ss")).filter((w) => w.includes(" ConfigMap/"))
          expect(members).toEqual(["apply ConfigMap/b"])
          expect((yield* getObject(cmKey(ns, "b")))?.data).toEqual({ key: "new" })
        }),
      ),
    )

    it.live(
      "from cold, a stage ready at once: one inventory LIST, Applying then Ready in two status writes",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("cold")
            yield* createNamespace(ns)
            yield* setSource(ns, "src", { "x.yaml": yamlOf([configMap("a"), configMap("b")]) })
            yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
            const recorder = yield* Recorder
            yield* recorder.clear
            expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
            const statuses = (yield* recorder.writes).filter((w) => w.verb === "updateStatus")
            const phases = statuses.map((w) => {
              const status = w.status as { stages?: ReadonlyArray<{ phase?: string }> }
              return status.stages?.map((s) => s.phase).join(",")
            })
            // ConfigMaps are ready in the apply answers: no Verifying write for the stage.
            expect(phases).toEqual(["Applying", "Ready"])
            const reads = (yield* recorder.reads).map((r) => `${r.verb} ${r.kind}`)
            // The StageSet's inventory is listed once (not once more for its new stage).
            expect(reads.filter((r) => r === "list StageInventory")).toEqual([
              "list StageInventory",
            ])
            expect((yield* statusOf(ns, "ss"))?.stages).toMatchObject([
              { name: "only", phase: "Ready", entriesCount: 2 },
            ])
          }),
        ),
    )

    it.live("a no-op reconcile reads each kind once per namespace, whatever the size", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("reads")
          const other = uniqueName("reads-other")
          yield* createNamespace(ns)
          yield* createNamespace(other)
          const secret = (name: string, namespace?: string): KubeObject => ({
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
            stringData: { key: name },
          })
          yield* setSource(ns, "src-0", {
            "x.yaml": yamlOf([
              ...Array.from({ length: 12 }, (_, i) => configMap(`cm-${i}`)),
              secret("s-0"),
              secret("s-1"),
            ]),
          })
          yield* setSource(ns, "src-1", {
            "x.yaml": yamlOf([
              configMap("there-0", { key: "x" }, { namespace: other }),
              configMap("there-1", { key: "y" }, { namespace: other }),
            ]),
          })
          yield* setStageSet(ns, "ss", [
            { name: "first", source: "src-0" },
            { name: "second", source: "src-1" },
          ])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)

          const recorder = yield* Recorder
          expect(yield* writesOf(ns, "ss")).toEqual([])
          const reads = (yield* recorder.reads).map(
            (r) => `${r.verb} ${r.kind}${r.namespace === other ? " (other)" : ""}`,
          )
          // The StageSet and each source once, the inventory once, then one LIST per kind and
          // namespace: not one per object. Only applyset mode prunes what ApplySet discovery
          // finds (semantics.md section 4); its discovery reuses those LISTs, but the second
          // stage's set spans its parent's namespace too, where it has no object to reuse a
          // LIST of: discovery lists ConfigMaps there once.
          expect(reads.sort()).toEqual(
            [
              "get StageSet",
              "get ConfigMap",
              "get ConfigMap",
              "list StageInventory",
              "list ConfigMap",
              "list Secret",
              "list ConfigMap (other)",
              ...(mode === "applyset" ? ["list ConfigMap"] : []),
            ].sort(),
          )
        }),
      ),
    )

    it.live("reconcile-stage re-applies that stage and the ones after it, once per request", () =>
      run(
        Effect.gen(function* () {
          const ns = yield* threeStagesReady
          // What `stagesetctl reconcile ss --stage s1` writes.
          const kube = yield* KubeClient
          const live = (yield* getObject({
            apiVersion: API_VERSION,
            kind: "StageSet",
            namespace: ns,
            name: "ss",
          }))!
          yield* kube.update({
            ...live,
            metadata: {
              ...live.metadata,
              annotations: { [RECONCILE_REQUESTED_AT]: "token-1", [RECONCILE_STAGE]: "s1" },
            },
          })
          const members = (yield* writesOf(ns, "ss")).filter((w) => w.includes(" ConfigMap/"))
          expect(members.sort()).toEqual(["apply ConfigMap/b", "apply ConfigMap/c"])
          expect((yield* statusOf(ns, "ss"))?.lastHandledReconcileAt).toBe("token-1")
          // Handled: the annotation stays, but nothing is applied or written again.
          expect(yield* writesOf(ns, "ss")).toEqual([])
        }),
      ),
    )

    it.live(
      "reconcile-stage <stage>@<token> re-applies from that stage once per token and records it on the stage",
      () =>
        run(
          Effect.gen(function* () {
            const ns = yield* threeStagesReady
            const kube = yield* KubeClient
            const key = { apiVersion: API_VERSION, kind: "StageSet", namespace: ns, name: "ss" }
            // The Go implementation's form: no requestedAt token, the token rides on the value.
            const request = (value: string) =>
              Effect.flatMap(getObject(key), (live) =>
                kube.update({
                  ...live!,
                  metadata: { ...live!.metadata, annotations: { [RECONCILE_STAGE]: value } },
                }),
              )
            yield* request("s1@t-1")
            const members = (yield* writesOf(ns, "ss")).filter((w) => w.includes(" ConfigMap/"))
            expect(members.sort()).toEqual(["apply ConfigMap/b", "apply ConfigMap/c"])
            const handled = (yield* statusOf(ns, "ss"))?.stages?.map((s) => [
              s.name,
              s.lastHandledReconcileAt,
            ])
            expect(handled).toEqual([
              ["s0", undefined],
              ["s1", "t-1"],
              ["s2", undefined],
            ])
            // Handled: nothing is applied or written again while the token stays.
            expect(yield* writesOf(ns, "ss")).toEqual([])
            // A new token is a new request; a malformed value is no request.
            yield* request("s2@t-2")
            expect((yield* writesOf(ns, "ss")).filter((w) => w.includes(" ConfigMap/"))).toEqual([
              "apply ConfigMap/c",
            ])
            expect(
              (yield* statusOf(ns, "ss"))?.stages?.map((s) => s.lastHandledReconcileAt),
            ).toEqual([undefined, "t-1", "t-2"])
            yield* request("s0@")
            expect(yield* writesOf(ns, "ss")).toEqual([])
          }),
        ),
    )

    it.live(
      "a restarted controller applies nothing unchanged, and heals what changed while it was down",
      () =>
        Effect.scoped(
          Effect.gen(function* () {
            const cluster = yield* sharedCluster(env)
            // Each process is a fresh layer build: nothing applied is remembered in memory.
            const process = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
              Effect.provide(body, scenarioLayer(cluster, { mode }))
            const ns = uniqueName("restart")
            const names = ["a", "b", "c", "d", "e"]
            yield* process(
              Effect.gen(function* () {
                yield* createNamespace(ns)
                yield* setSource(ns, "src", { "x.yaml": yamlOf(names.map((n) => configMap(n))) })
                yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
                expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
              }),
            )
            // A restart (rolling upgrade, lost leader) with nothing changed: no write at all.
            yield* process(
              Effect.flatMap(writesOf(ns, "ss"), (w) => Effect.sync(() => expect(w).toEqual([]))),
            )

            // While no controller runs: another manager takes a's data with force, b is deleted.
            yield* process(
              Effect.gen(function* () {
                const kube = yield* KubeClient
                yield* kube.apply(configMap("a", { key: "someone else's" }, { namespace: ns }), {
                  fieldManager: "someone-else",
                  force: true,
                })
                expect((yield* getObject(cmKey(ns, "a")))?.data).toEqual({ key: "someone else's" })
                yield* kube.delete(cmKey(ns, "b"))
              }),
            )
            yield* process(
              Effect.gen(function* () {
                // Exactly those two are applied again, then shard 0 records the new versions.
                expect((yield* writesOf(ns, "ss")).sort()).toEqual([
                  "apply ConfigMap/a",
                  "apply ConfigMap/b",
                  `apply StageInventory/${shardName("ss", "only", 0)}`,
                ])
                expect((yield* getObject(cmKey(ns, "a")))?.data).toEqual({ key: "a" })
                expect(yield* getObject(cmKey(ns, "b"))).toBeDefined()
              }),
            )
            // The healed versions are what the next restart trusts.
            yield* process(
              Effect.flatMap(writesOf(ns, "ss"), (w) => Effect.sync(() => expect(w).toEqual([]))),
            )
          }),
        ),
    )

    it.live(
      "sharded (cap 2): adding one object writes one shard; a heal in shard 1 writes shard 1 alone; restarts write nothing",
      () =>
        Effect.scoped(
          Effect.gen(function* () {
            const cluster = yield* sharedCluster(env)
            const process = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
              Effect.provide(body, scenarioLayer(cluster, { mode, shardCap: 2 }))
            const ns = uniqueName("shard-digest")
            const shard = (k: number) => `apply StageInventory/${shardName("ss", "only", k)}`
            const nothing = process(
              Effect.flatMap(writesOf(ns, "ss"), (w) => Effect.sync(() => expect(w).toEqual([]))),
            )
            /** The writes of one reconcile to members and shards (not the StageSet's status). */
            const stageWrites = Effect.map(writesOf(ns, "ss"), (w) =>
              w.filter((x) => x.includes(" ConfigMap/") || x.includes(" StageInventory/")).sort(),
            )
            const objects = (names: ReadonlyArray<string>) =>
              setSource(ns, "src", { "x.yaml": yamlOf(names.map((n) => configMap(n))) })
            // Six objects: shards 0, 1 and 2 full (a b, c d, e f).
            yield* process(
              Effect.gen(function* () {
                yield* createNamespace(ns)
                yield* objects(["a", "b", "c", "d", "e", "f"])
                yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
                expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
                expect((yield* shardsOf(ns, "ss")).map((s) => s.metadata.name)).toEqual(
                  [0, 1, 2].map((k) => shardName("ss", "only", k)),
                )
              }),
            )
            yield* nothing

            // One more object: it opens shard 3, written for its entry (record intent) and
            // then for its digest (settle); no other shard is written.
            yield* process(
              Effect.gen(function* () {
                yield* objects(["a", "b", "c", "d", "e", "f", "g"])
                expect(yield* stageWrites).toEqual(["apply ConfigMap/g", shard(3), shard(3)])
              }),
            )
            // Its version is recorded: a restart applies nothing.
            yield* nothing

            // While down, someone takes c's data (shard 1's member): the restart heals c and
            // rewrites shard 1 alone. Then, in the same process, d is edited and healed.
            yield* process(
              Effect.flatMap(KubeClient, (kube) =>
                kube.apply(configMap("c", { key: "theirs" }, { namespace: ns }), {
                  fieldManager: "someone-else",
                  force: true,
                }),
              ),
            )
            yield* process(
              Effect.gen(function* () {
                expect(yield* stageWrites).toEqual(["apply ConfigMap/c", shard(1)])
                expect((yield* getObject(cmKey(ns, "c")))?.data).toEqual({ key: "c" })
                const kube = yield* KubeClient
                yield* kube.apply(configMap("d", { key: "theirs" }, { namespace: ns }), {
                  fieldManager: "someone-else",
                  force: true,
                })
                expect(yield* stageWrites).toEqual(["apply ConfigMap/d", shard(1)])
              }),
            )
            yield* nothing
          }),
        ),
    )

    it.live(
      "a crash between an apply and the settle: the older digest only makes the restart apply more",
      () =>
        Effect.scoped(
          Effect.gen(function* () {
            const cluster = yield* sharedCluster(env)
            const process = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
              Effect.provide(body, scenarioLayer(cluster, { mode }))
            const ns = uniqueName("crash-digest")
            yield* process(
              Effect.gen(function* () {
                yield* createNamespace(ns)
                yield* setSource(ns, "src", {
                  "x.yaml": yamlOf([configMap("a"), configMap("b"), configMap("c")]),
                })
                yield* setStageSet(ns, "ss", [{ name: "only", source: "src" }])
                expect((yield* reconcile(ns, "ss")).outcome).toEqual(ready)
                yield* setSource(ns, "src", {
                  "x.yaml": yamlOf([
                    configMap("a", { key: "new" }),
                    configMap("b"),
                    configMap("c"),
                  ]),
                })
              }),
            )
            // Processes that each die right after their first write, until one dies right after
            // applying a: shard 0 still holds the digest of the run before.
            let last = ""
            for (let k = 0; k < 6 && last !== "apply ConfigMap/a"; k++)
              last = yield* process(
                Effect.gen(function* () {
                  const recorder = yield* Recorder
                  yield* recorder.clear
                  yield* recorder.crashAfter(1)
                  expect(isSimulatedCrash(yield* Effect.exit(reconcile(ns, "ss")))).toBe(true)
                  const writes = yield* recorder.writes
                  return writes.map((w) => `${w.verb} ${w.key.kind}/${w.key.name}`).at(-1) ?? ""
                }),
              )
            expect(last).toBe("apply ConfigMap/a")
            expect((yield* process(getObject(cmKey(ns, "a"))))?.data).toEqual({ key: "new" })
            // While down, someone else takes c's data.
            yield* process(
              Effect.flatMap(KubeClient, (kube) =>
                kube.apply(configMap("c", { key: "theirs" }, { namespace: ns }), {
                  fieldManager: "someone-else",
                  force: true,
                }),
              ),
            )
            yield* process(
              Effect.gen(function* () {
                // a again (its new version is not in the older digest: applied once more, a
                // no-op) and c (edited); b is as that digest records it.
                const members = (yield* writesOf(ns, "ss")).filter((w) => w.includes(" ConfigMap/"))
                expect(members.sort()).toEqual(["apply ConfigMap/a", "apply ConfigMap/c"])
                expect((yield* getObject(cmKey(ns, "c")))?.data).toEqual({ key: "c" })
              }),
            )
            yield* process(
              Effect.flatMap(writesOf(ns, "ss"), (w) => Effect.sync(() => expect(w).toEqual([]))),
            )
          }),
        ),
    )
  })
