import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { makeKubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"

const ours = { fieldManager: "stageset-controller", force: false }

const cmKey = (name: string, namespace = "apps"): ObjectKey => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  namespace,
  name,
})

const configMap = (
  name: string,
  extra: Partial<KubeObject["metadata"]> = {},
  namespace = "apps",
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, ...extra },
})

const setup = Effect.gen(function* () {
  const cluster = yield* makeKubeClientInMemory()
  yield* cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } })
  return cluster
})

const ledgerCrd = (scope: "Namespaced" | "Cluster" = "Namespaced"): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "ledgers.example.com" },
  spec: {
    group: "example.com",
    names: { kind: "Ledger", plural: "ledgers", singular: "ledger", listKind: "LedgerList" },
    scope,
    versions: [
      {
        name: "v1beta1",
        served: true,
        storage: false,
        schema: { openAPIV3Schema: { type: "object" } },
      },
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
    ],
  },
})

describe("in-memory KubeClient: deletion, finalizers, namespaces, GC", () => {
  it.effect(
    "delete without finalizers removes; with finalizers sets deletionTimestamp until the last goes",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        yield* client.create(configMap("plain"))
        yield* client.delete(cmKey("plain"))
        expect((yield* Effect.flip(client.get(cmKey("plain"))))._tag).toBe("KubeNotFound")

        const held = yield* client.create(
          configMap("held", { finalizers: ["example.com/a", "example.com/b"] }),
        )
        yield* client.delete(cmKey("held"))
        const marked = yield* client.get(cmKey("held"))
        expect(marked.metadata.deletionTimestamp).toBe("1970-01-01T00:00:00Z")
        expect(Number(marked.metadata.resourceVersion)).toBeGreaterThan(
          Number(held.metadata.resourceVersion),
        )
        // deleting again changes nothing
        yield* client.delete(cmKey("held"))
        expect((yield* client.get(cmKey("held"))).metadata.resourceVersion).toBe(
          marked.metadata.resourceVersion,
        )
        // no new finalizers on a dying object
        const added = yield* Effect.flip(
          client.update({
            ...marked,
            metadata: {
              ...marked.metadata,
              finalizers: ["example.com/a", "example.com/b", "example.com/c"],
            },
          }),
        )
        expect(added._tag).toBe("KubeInvalid")
        const one = yield* client.update({
          ...marked,
          metadata: { ...marked.metadata, finalizers: ["example.com/b"] },
        })
        expect(one.metadata.finalizers).toEqual(["example.com/b"])
        yield* client.update({ ...one, metadata: { ...one.metadata, finalizers: [] } })
        expect(Option.isNone(yield* driver.getObject(cmKey("held")))).toBe(true)
      }),
  )

  it.effect("delete with a uid precondition refuses a recreated object", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const first = yield* client.create(configMap("c"))
      yield* client.delete(cmKey("c"))
      yield* client.create(configMap("c"))
      const error = yield* Effect.flip(client.delete(cmKey("c"), { uid: first.metadata.uid! }))
      expect(error._tag).toBe("KubeConflict")
      expect(error.message).toContain("Precondition failed: UID in precondition")
    }),
  )

  it.effect("generation is bumped when deletionTimestamp is set", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      yield* client.create({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d", namespace: "apps", finalizers: ["example.com/x"] },
        spec: {},
      })
      yield* client.delete({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: "apps",
        name: "d",
      })
      const dying = yield* client.get({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: "apps",
        name: "d",
      })
      expect(dying.metadata.generation).toBe(2)
    }),
  )

  it.effect(
    "deleting a namespace: Terminating, content deleted, 403 for new content, gone when empty",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        yield* client.create(configMap("free"))
        yield* client.create(configMap("held", { finalizers: ["example.com/hold"] }))
        yield* client.delete({ apiVersion: "v1", kind: "Namespace", name: "apps" })
        const ns = yield* client.get({ apiVersion: "v1", kind: "Namespace", name: "apps" })
        expect(ns.status).toEqual({ phase: "Terminating" })
        expect(ns.metadata.deletionTimestamp).toBeDefined()
        expect(Option.isNone(yield* driver.getObject(cmKey("free")))).toBe(true)
        const held = yield* client.get(cmKey("held"))
        expect(held.metadata.deletionTimestamp).toBeDefined()
        const refused = yield* Effect.flip(client.create(configMap("new")))
        expect(refused._tag).toBe("KubeForbidden")
        expect(refused.message).toBe(
          'configmaps "new" is forbidden: unable to create new content in namespace apps because it is being terminated',
        )
        const refusedApply = yield* Effect.flip(client.apply(configMap("new"), ours))
        expect(refusedApply._tag).toBe("KubeForbidden")
        yield* driver.removeFinalizers(cmKey("held"))
        expect(
          Option.isNone(
            yield* driver.getObject({ apiVersion: "v1", kind: "Namespace", name: "apps" }),
          ),
        ).toBe(true)
      }),
  )

  it.effect(
    "garbage collection: Background deletes dependents, Orphan keeps them, Foreground waits for them",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        const owned = (name: string, owner: KubeObject) =>
          configMap(name, {
            ownerReferences: [
              {
                apiVersion: "v1",
                kind: "ConfigMap",
                name: owner.metadata.name,
                uid: owner.metadata.uid!,
              },
            ],
          })
        const parent = yield* client.create(configMap("parent"))
        yield* client.create(owned("child", parent))
        const grandchildOwner = yield* client.get(cmKey("child"))
        yield* client.create(owned("grandchild", grandchildOwner))
        yield* client.delete(cmKey("parent"), { propagationPolicy: "Background" })
        const left = (yield* driver.objects({ kind: "ConfigMap", namespace: "apps" })).map(
          (o) => o.metadata.name,
        )
        expect(left).toEqual([])

        const p2 = yield* client.create(configMap("p2"))
        yield* client.create(owned("kept", p2))
        yield* client.delete(cmKey("p2"), { propagationPolicy: "Orphan" })
        const kept = yield* client.get(cmKey("kept"))
        expect(kept.metadata.ownerReferences).toBeUndefined()
        expect(Option.isNone(yield* driver.getObject(cmKey("p2")))).toBe(true)

        const p3 = yield* client.create(configMap("p3"))
        yield* client.create({
          ...owned("slow", p3),
          metadata: { ...owned("slow", p3).metadata, finalizers: ["example.com/slow"] },
        })
        yield* client.delete(cmKey("p3"), { propagationPolicy: "Foreground" })
        const waiting = yield* client.get(cmKey("p3"))
        expect(waiting.metadata.finalizers).toEqual(["foregroundDeletion"])
        expect((yield* client.get(cmKey("slow"))).metadata.deletionTimestamp).toBeDefined()
        yield* driver.removeFinalizers(cmKey("slow"))
        expect(Option.isNone(yield* driver.getObject(cmKey("p3")))).toBe(true)
      }),
  )

  it.effect("an object whose owner never existed is collected", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* client.create(
        configMap("dangling", {
          ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "no-such-uid" }],
        }),
      )
      expect(Option.isNone(yield* driver.getObject(cmKey("dangling")))).toBe(true)
    }),
  )
})

describe("in-memory KubeClient: CRDs and discovery", () => {
  it.effect(
    "a CRD is established and serves its kind; deleting it removes the kind and its objects",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        const unknown = yield* Effect.flip(
          client.apply(
            {
              apiVersion: "example.com/v1",
              kind: "Ledger",
              metadata: { name: "l", namespace: "apps" },
            },
            ours,
          ),
        )
        expect(unknown._tag).toBe("KubeNotFound")
        yield* client.apply(ledgerCrd(), ours)
        const crd = yield* client.get({
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          name: "ledgers.example.com",
        })
        const conditions = (crd.status as { conditions: Array<{ type: string; status: string }> })
          .conditions
        expect(conditions.map((c) => `${c.type}=${c.status}`)).toEqual([
          "NamesAccepted=True",
          "Established=True",
        ])
        expect(crd.metadata.finalizers).toEqual(["customresourcecleanup.apiextensions.k8s.io"])
        expect(yield* client.discover("example.com/v1", "Ledger")).toEqual({
          group: "example.com",
          version: "v1",
          kind: "Ledger",
          plural: "ledgers",
          namespaced: true,
          hasStatus: true,
        })
        expect((yield* client.discover("example.com/v1beta1", "Ledger")).version).toBe("v1beta1")
        expect((yield* client.resources()).find((r) => r.kind === "Ledger")?.version).toBe("v1")
        const ledger = yield* client.apply(
          {
            apiVersion: "example.com/v1",
            kind: "Ledger",
            metadata: { name: "l", namespace: "apps" },
            spec: { size: 1 },
          },
          ours,
        )
        expect(ledger.metadata.generation).toBe(1)
        const asBeta = yield* client.get({
          apiVersion: "example.com/v1beta1",
          kind: "Ledger",
          namespace: "apps",
          name: "l",
        })
        expect(asBeta.apiVersion).toBe("example.com/v1beta1")
        // re-applying the same CRD is a no-op although the server added status and a finalizer
        const again = yield* client.apply(ledgerCrd(), ours)
        expect(again.metadata.resourceVersion).toBe(crd.metadata.resourceVersion)

        yield* client.delete({
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          name: "ledgers.example.com",
        })
        expect((yield* Effect.flip(client.discover("example.com/v1", "Ledger")))._tag).toBe(
          "KubeNotFound",
        )
        expect((yield* driver.objects({ kind: "Ledger" })).length).toBe(0)
        expect((yield* driver.objects({ kind: "CustomResourceDefinition" })).length).toBe(0)
      }),
  )

  it.effect("a CRD's name must be plural.group", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const bad = { ...ledgerCrd(), metadata: { name: "wrong.example.com" } }
      const error = yield* Effect.flip(client.apply(bad, ours))
      expect(error._tag).toBe("KubeInvalid")
    }),
  )

  it.effect(
    "StageSet and StageInventory are preinstalled; applying their CRD takes them over",
    () =>
      Effect.gen(function* () {
        const { client } = yield* setup
        expect((yield* client.discover("stages.metio.wtf/v1", "StageSet")).hasStatus).toBe(true)
        yield* client.apply(
          {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "stageinventories.stages.metio.wtf" },
            spec: {
              group: "stages.metio.wtf",
              names: { kind: "StageInventory", plural: "stageinventories" },
              scope: "Namespaced",
              versions: [
                {
                  name: "v1",
                  served: true,
                  storage: true,
                  schema: { openAPIV3Schema: { type: "object" } },
                },
              ],
            },
          },
          ours,
        )
        expect((yield* client.discover("stages.metio.wtf/v1", "StageInventory")).hasStatus).toBe(
          false,
        )
      }),
  )
})

describe("in-memory KubeClient: immutable fields", () => {
  const job = (image: string): KubeObject => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", namespace: "apps" },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image }] } } },
  })

  it.effect("changing a Job's template is a 422 'field is immutable'", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      yield* client.apply(job("migrate:1"), ours)
      const error = yield* Effect.flip(client.apply(job("migrate:2"), ours))
      expect(error._tag).toBe("KubeInvalid")
      expect(error._tag === "KubeInvalid" && error.status).toBe(422)
      expect(error.message).toMatch(
        /^Job\.batch "migrate" is invalid: spec\.template: Invalid value: .*: field is immutable$/,
      )
    }),
  )

  it.effect("a PVC's spec is immutable except resources.requests", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const pvc = (storage: string, mode: string): KubeObject => ({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data", namespace: "apps" },
        spec: { accessModes: [mode], resources: { requests: { storage } } },
      })
      yield* client.apply(pvc("1Gi", "ReadWriteOnce"), ours)
      const grown = yield* client.apply(pvc("2Gi", "ReadWriteOnce"), ours)
      expect(grown.spec).toMatchObject({ resources: { requests: { storage: "2Gi" } } })
      const error = yield* Effect.flip(client.apply(pvc("2Gi", "ReadWriteMany"), ours))
      expect(error.message).toMatch(
        /^PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests/,
      )
    }),
  )

  it.effect("a Service's clusterIP cannot change", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const svc = (clusterIP: string): KubeObject => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web", namespace: "apps" },
        spec: { clusterIP, ports: [{ port: 80 }] },
      })
      yield* client.apply(svc("10.0.0.10"), ours)
      const error = yield* Effect.flip(client.apply(svc("10.0.0.11"), ours))
      expect(error._tag).toBe("KubeInvalid")
      expect(error.message).toContain("spec.clusterIP")
    }),
  )
})
