import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { stageApplySetId } from "../../../src/inventory/ApplySetId.ts"
import {
  APPLYSET_CONTAINS_GROUP_KINDS,
  APPLYSET_PART_OF,
  FINALIZER,
} from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { stageSetKey } from "../../../src/programs/stageSet/StageSetKey.ts"
import { controller } from "../harness/controller.ts"
import { type AcceptanceEnv, MODES, sharedCluster } from "../harness/Env.ts"
import {
  applyAsUser,
  cmKey,
  configMap,
  createNamespace,
  entryIds,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"

const SECRET = "remote-kubeconfig"

/** The Secret `spec.kubeConfig.secretRef` names, holding `kubeconfig` under `key`. */
const kubeconfigSecret = (namespace: string, kubeconfig: string, key = "value") =>
  applyAsUser({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: SECRET, namespace },
    data: { [key]: Buffer.from(kubeconfig).toString("base64") },
  })

/** The same kubeconfig, pointed at an address where no API server listens. */
const unreachable = (kubeconfig: string) => {
  const doc = JSON.parse(kubeconfig) as { clusters: Array<{ cluster: { server: string } }> }
  for (const c of doc.clusters) c.cluster.server = "https://127.0.0.1:1"
  return JSON.stringify(doc)
}

/** Reconciles until the StageSet is gone, at most a few times. */
const reconcileAway = (namespace: string, name: string) =>
  Effect.gen(function* () {
    let outcome = (yield* reconcile(namespace, name)).outcome._tag
    for (let i = 0; i < 5 && outcome !== "Deleted" && outcome !== "NotFound"; i++)
      outcome = (yield* reconcile(namespace, name)).outcome._tag
    return outcome
  })

/**
 * `spec.kubeConfig.secretRef`: the objects of every stage go to the cluster the Secret's
 * kubeconfig names; inventories, status and sources stay in this one (api.md, "StageSets
 * and clusters").
 */
export const remoteCluster = (env: AcceptanceEnv) =>
  describe.each(MODES)(`remote cluster [${env.name}] mode=%s`, (mode) => {
    it.scopedLive(
      "applies, prunes and tears down in the remote cluster; the inventory stays here",
      () =>
        Effect.gen(function* () {
          const cluster = yield* sharedCluster(env)
          const remote = yield* env.remoteCluster
          const ns = uniqueName("remote")
          const there = <A, E>(effect: Effect.Effect<A, E, KubeClient>) =>
            Effect.provide(effect, remote.kube)
          // The objects' namespace exists there (the tenant's to make, as with Flux).
          yield* there(createNamespace(ns))
          const run = controller(cluster, { mode, remoteClusters: remote.clusters })
          yield* run(
            Effect.gen(function* () {
              yield* createNamespace(ns)
              yield* kubeconfigSecret(ns, remote.kubeconfig)
              yield* setSource(ns, "src", {
                "app.yaml": yamlOf([configMap("a"), configMap("b")]),
              })
              yield* setStageSet(ns, "ss", [{ name: "s0", source: "src" }], {
                kubeConfig: { secretRef: { name: SECRET } },
              })
              expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

              // There, not here.
              for (const name of ["a", "b"]) {
                const object = yield* there(getObject(cmKey(ns, name)))
                expect(object, name).toBeDefined()
                expect(yield* getObject(cmKey(ns, name)), name).toBeUndefined()
                // Members carry part-of there, so ApplySet discovery in that cluster finds them.
                expect(object?.metadata.labels?.[APPLYSET_PART_OF]).toBe(
                  mode === "entries" ? undefined : stageApplySetId(ns, "ss", "s0"),
                )
              }
              // The record is here, and lists them; the parent names the remote kinds.
              const shards = yield* shardsOf(ns, "ss")
              expect(shards.length).toBe(1)
              expect(entryIds(shards).sort()).toEqual([`${ns}_a__ConfigMap`, `${ns}_b__ConfigMap`])
              expect(shards[0]?.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS]).toBe(
                mode === "entries" ? undefined : "ConfigMap",
              )
              expect(yield* there(shardsOf(ns, "ss"))).toEqual([])

              // A later revision prunes there.
              yield* setSource(ns, "src", { "app.yaml": yamlOf([configMap("a")]) })
              expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
              expect(yield* there(getObject(cmKey(ns, "a")))).toBeDefined()
              expect(yield* there(getObject(cmKey(ns, "b")))).toBeUndefined()
              expect(entryIds(yield* shardsOf(ns, "ss"))).toEqual([`${ns}_a__ConfigMap`])

              // A remote cluster that does not answer holds the teardown, finalizer and all.
              const kube = yield* KubeClient
              yield* kubeconfigSecret(ns, unreachable(remote.kubeconfig))
              yield* kube.delete(stageSetKey({ namespace: ns, name: "ss" }))
              const held = yield* reconcile(ns, "ss")
              expect(held.outcome._tag).toBe("Failed")
              if (held.outcome._tag === "Failed") {
                expect(held.outcome.failure.reason).toBe("TeardownFailed")
                expect(held.outcome.failure.message).toContain(`Secret ${ns}/${SECRET}`)
              }
              const stillThere = yield* getObject(stageSetKey({ namespace: ns, name: "ss" }))
              expect(stillThere?.metadata.finalizers).toContain(FINALIZER)
              expect(yield* there(getObject(cmKey(ns, "a")))).toBeDefined()
              expect((yield* shardsOf(ns, "ss")).length).toBe(1)

              // Reachable again: the teardown deletes there and leaves nothing here.
              yield* kubeconfigSecret(ns, remote.kubeconfig)
              expect(yield* reconcileAway(ns, "ss")).toBe("Deleted")
              expect(yield* there(getObject(cmKey(ns, "a")))).toBeUndefined()
              expect(yield* getObject(stageSetKey({ namespace: ns, name: "ss" }))).toBeUndefined()
              expect(yield* shardsOf(ns, "ss")).toEqual([])
            }),
          )
        }),
    )
  })

export const remoteClusterRefusals = (env: AcceptanceEnv) =>
  describe(`remote cluster refusals [${env.name}]`, () => {
    it.scopedLive("a missing Secret holds the StageSet, naming it, and applies nothing", () =>
      Effect.gen(function* () {
        const cluster = yield* sharedCluster(env)
        const remote = yield* env.remoteCluster
        const ns = uniqueName("remote-missing")
        const there = <A, E>(effect: Effect.Effect<A, E, KubeClient>) =>
          Effect.provide(effect, remote.kube)
        yield* there(createNamespace(ns))
        const run = controller(cluster, { mode: "hybrid", remoteClusters: remote.clusters })
        yield* run(
          Effect.gen(function* () {
            yield* createNamespace(ns)
            yield* setSource(ns, "src", { "app.yaml": yamlOf([configMap("a")]) })
            yield* setStageSet(ns, "ss", [{ name: "s0", source: "src" }], {
              kubeConfig: { secretRef: { name: SECRET } },
            })
            const report = yield* reconcile(ns, "ss")
            expect(report.outcome._tag).toBe("Failed")
            if (report.outcome._tag === "Failed") {
              expect(report.outcome.failure.reason).toBe("StageFailed")
              expect(report.outcome.failure.message).toBe(
                `spec.kubeConfig.secretRef: Secret ${ns}/${SECRET} not found`,
              )
            }
            expect(yield* there(getObject(cmKey(ns, "a")))).toBeUndefined()
            expect(yield* getObject(cmKey(ns, "a"))).toBeUndefined()
            expect(yield* shardsOf(ns, "ss")).toEqual([])

            // A key that is not there is named too.
            yield* kubeconfigSecret(ns, remote.kubeconfig, "other")
            const noKey = yield* reconcile(ns, "ss")
            expect(noKey.outcome._tag === "Failed" && noKey.outcome.failure.message).toBe(
              `spec.kubeConfig.secretRef: Secret ${ns}/${SECRET} has no key "value" with a kubeconfig`,
            )

            // Nothing was recorded: deleting it is not held by the missing cluster.
            const kube = yield* KubeClient
            yield* kube.delete(stageSetKey({ namespace: ns, name: "ss" }))
            expect(yield* reconcileAway(ns, "ss")).toBe("Deleted")
          }),
        )
      }),
    )

    it.scopedLive(
      "a terminating namespace whose kubeconfig Secret is gone is not held by the remote objects",
      () =>
        Effect.gen(function* () {
          const cluster = yield* sharedCluster(env)
          const remote = yield* env.remoteCluster
          const ns = uniqueName("remote-ns-gone")
          const there = <A, E>(effect: Effect.Effect<A, E, KubeClient>) =>
            Effect.provide(effect, remote.kube)
          yield* there(createNamespace(ns))
          const run = controller(cluster, { mode: "hybrid", remoteClusters: remote.clusters })
          yield* run(
            Effect.gen(function* () {
              yield* createNamespace(ns)
              yield* kubeconfigSecret(ns, remote.kubeconfig)
              yield* setSource(ns, "src", { "app.yaml": yamlOf([configMap("a")]) })
              yield* setStageSet(ns, "ss", [{ name: "s0", source: "src" }], {
                kubeConfig: { secretRef: { name: SECRET } },
              })
              expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
              const kube = yield* KubeClient
              yield* kube.delete({ apiVersion: "v1", kind: "Secret", namespace: ns, name: SECRET })
              // What the namespace controller does, in an order that does not depend on its pace.
              yield* kube.delete({ apiVersion: "v1", kind: "Namespace", name: ns })
              yield* kube.delete(stageSetKey({ namespace: ns, name: "ss" }))
              const report = yield* reconcile(ns, "ss")
              expect(report.outcome).toEqual({ _tag: "Deleted" })
              const forced = report.events.find((e) => e.reason === "TeardownForced")
              expect(forced?.message).toContain(`namespace ${ns} is terminating`)
              expect(forced?.message).toContain(`Secret ${ns}/${SECRET} not found`)
              expect(yield* shardsOf(ns, "ss")).toEqual([])
              // Given up, not deleted: nothing could reach the cluster any more.
              expect(yield* there(getObject(cmKey(ns, "a")))).toBeDefined()
            }),
          )
        }),
    )

    it.scopedLive(
      "a kubeconfig with an exec plugin is refused naming the field, never quoting it",
      () =>
        Effect.gen(function* () {
          const cluster = yield* sharedCluster(env)
          const remote = yield* env.remoteCluster
          const ns = uniqueName("remote-exec")
          const run = controller(cluster, { mode: "hybrid", remoteClusters: remote.clusters })
          const doc = JSON.parse(remote.kubeconfig) as {
            users: Array<{ user: Record<string, unknown> }>
          }
          doc.users[0]!.user = {
            exec: { apiVersion: "client.authentication.k8s.io/v1", command: "/bin/secret-helper" },
          }
          yield* run(
            Effect.gen(function* () {
              yield* createNamespace(ns)
              yield* kubeconfigSecret(ns, JSON.stringify(doc))
              yield* setSource(ns, "src", { "app.yaml": yamlOf([configMap("a")]) })
              yield* setStageSet(ns, "ss", [{ name: "s0", source: "src" }], {
                kubeConfig: { secretRef: { name: SECRET } },
              })
              const report = yield* reconcile(ns, "ss")
              expect(report.outcome._tag).toBe("Failed")
              if (report.outcome._tag === "Failed") {
                expect(report.outcome.failure.reason).toBe("InvalidSpec")
                expect(report.outcome.failure.message).toContain(`Secret ${ns}/${SECRET}`)
                expect(report.outcome.failure.message).toContain("users[0].user.exec")
                expect(report.outcome.failure.message).not.toContain("secret-helper")
              }
              expect(yield* Effect.provide(getObject(cmKey(ns, "a")), remote.kube)).toBeUndefined()
              expect(yield* shardsOf(ns, "ss")).toEqual([])
            }),
          )
        }),
    )
  })
