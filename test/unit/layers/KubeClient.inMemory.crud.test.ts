import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { makeKubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const namespace = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name },
})

const configMap = (
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "apps", ...(labels === undefined ? {} : { labels }) },
  data,
})

const deployment = (name: string, replicas: number): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "apps" },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "web", image: "nginx:1" }] },
    },
  },
})

const setup = Effect.gen(function* () {
  const cluster = yield* makeKubeClientInMemory()
  yield* cluster.client.create(namespace("apps"))
  return cluster
})

describe("in-memory KubeClient: CRUD", () => {
  it.effect("create sets uid, creationTimestamp, resourceVersion; get returns it", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const created = yield* client.create(configMap("a", { k: "v" }))
      expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
      expect(created.metadata.creationTimestamp).toBe("1970-01-01T00:00:00Z")
      expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0)
      expect(created.metadata.generation).toBeUndefined()
      const read = yield* client.get({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "apps",
        name: "a",
      })
      expect(read).toEqual(created)
      expect(read.data).toEqual({ k: "v" })
    }),
  )

  it.effect(
    "resourceVersion is cluster-wide and increasing; generation follows spec changes only",
    () =>
      Effect.gen(function* () {
        const { client } = yield* setup
        const d1 = yield* client.create(deployment("web", 1))
        const other = yield* client.create(configMap("x", {}))
        expect(Number(other.metadata.resourceVersion)).toBeGreaterThan(
          Number(d1.metadata.resourceVersion),
        )
        expect(d1.metadata.generation).toBe(1)
        const d2 = yield* client.update({ ...d1, spec: { ...(d1.spec as object), replicas: 3 } })
        expect(d2.metadata.generation).toBe(2)
        expect(Number(d2.metadata.resourceVersion)).toBeGreaterThan(
          Number(other.metadata.resourceVersion),
        )
        const d3 = yield* client.update({ ...d2, metadata: { ...d2.metadata, labels: { a: "b" } } })
        expect(d3.metadata.generation).toBe(2)
        expect(d3.metadata.resourceVersion).not.toBe(d2.metadata.resourceVersion)
        // status is a subresource of Deployments: update ignores it, updateStatus changes only it
        const d4 = yield* client.update({ ...d3, status: { replicas: 7 } })
        expect(d4.status).toBeUndefined()
        expect(d4.metadata.resourceVersion).toBe(d3.metadata.resourceVersion)
        const d5 = yield* client.updateStatus({
          ...d4,
          spec: { replicas: 99 },
          status: { observedGeneration: 2 },
        })
        expect(d5.status).toEqual({ observedGeneration: 2 })
        expect(d5.metadata.generation).toBe(2)
        expect((d5.spec as { replicas: number }).replicas).toBe(3)
      }),
  )

  it.effect("an update that changes nothing keeps the resourceVersion", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const created = yield* client.create(configMap("a", { k: "v" }))
      const same = yield* client.update(created)
      expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion)
      const log = yield* driver.writeLog
      expect(log.map((e) => [e.verb, e.changed])).toEqual([
        ["create", true],
        ["create", true],
        ["update", false],
      ])
    }),
  )

  it.effect(
    "optimistic concurrency: stale resourceVersion is a 409 Conflict, create of existing AlreadyExists",
    () =>
      Effect.gen(function* () {
        const { client } = yield* setup
        const v1 = yield* client.create(configMap("a", { k: "1" }))
        yield* client.update({ ...v1, data: { k: "2" } })
        const stale = yield* Effect.flip(client.update({ ...v1, data: { k: "3" } }))
        expect(stale._tag).toBe("KubeConflict")
        expect(stale._tag === "KubeConflict" && stale.reason).toBe("Conflict")
        expect(stale.message).toBe(
          'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
        )
        const exists = yield* Effect.flip(client.create(configMap("a", {})))
        expect(exists._tag === "KubeConflict" && exists.reason).toBe("AlreadyExists")
        expect(exists.message).toBe('configmaps "a" already exists')
        // without a resourceVersion the update is unconditional
        const forced = yield* client.update({
          ...v1,
          metadata: { ...v1.metadata, resourceVersion: "" },
          data: { k: "4" },
        })
        expect(forced.data).toEqual({ k: "4" })
      }),
  )

  it.effect("404s: missing object, missing namespace, unknown kind", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const missing = yield* Effect.flip(
        client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "apps", name: "nope" }),
      )
      expect(missing._tag).toBe("KubeNotFound")
      expect(missing.message).toBe('deployments.apps "nope" not found')
      const noNamespace = yield* Effect.flip(
        client.create({ ...configMap("a", {}), metadata: { name: "a", namespace: "ghost" } }),
      )
      expect(noNamespace._tag).toBe("KubeNotFound")
      expect(noNamespace.message).toBe('namespaces "ghost" not found')
      const unknown = yield* Effect.flip(
        client.list({ apiVersion: "example.com/v1", kind: "Widget" }),
      )
      expect(unknown._tag).toBe("KubeNotFound")
      expect(unknown.message).toBe("the server could not find the requested resource")
      const deleted = yield* Effect.flip(
        client.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "apps", name: "nope" }),
      )
      expect(deleted._tag).toBe("KubeNotFound")
    }),
  )

  it.effect("cluster-scoped objects ignore the namespace", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const role = yield* client.create({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "reader", namespace: "apps" },
        rules: [],
      })
      expect(role.metadata.namespace).toBeUndefined()
      const read = yield* client.get({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        name: "reader",
      })
      expect(read.metadata.uid).toBe(role.metadata.uid)
    }),
  )

  it.effect("returned objects are copies: mutating them does not change the store", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const created = yield* client.create(configMap("a", { k: "v" }))
      ;(created.data as Record<string, string>).k = "changed"
      const listed = yield* client.list(
        { apiVersion: "v1", kind: "ConfigMap" },
        { namespace: "apps" },
      )
      ;(listed.items[0]!.data as Record<string, string>).k = "changed too"
      const read = yield* client.get({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "apps",
        name: "a",
      })
      expect(read.data).toEqual({ k: "v" })
    }),
  )

  it.effect(
    "list: label selectors (set-based), field selectors, namespace filter, current resourceVersion",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        yield* client.create(namespace("other"))
        yield* client.create(configMap("a", {}, { tier: "web", env: "prod" }))
        yield* client.create(configMap("b", {}, { tier: "db", env: "prod" }))
        yield* client.create(configMap("c", {}, { tier: "web" }))
        yield* client.create({
          ...configMap("d", {}, { tier: "web" }),
          metadata: { name: "d", namespace: "other", labels: { tier: "web" } },
        })
        const names = (selector: string, ns?: string) =>
          client
            .list(
              { apiVersion: "v1", kind: "ConfigMap" },
              { labelSelector: selector, ...(ns === undefined ? {} : { namespace: ns }) },
            )
            .pipe(Effect.map((list) => list.items.map((item) => item.metadata.name)))
        expect(yield* names("tier=web")).toEqual(["a", "c", "d"])
        expect(yield* names("tier==web", "apps")).toEqual(["a", "c"])
        expect(yield* names("tier!=web")).toEqual(["b"])
        expect(yield* names("env")).toEqual(["a", "b"])
        expect(yield* names("!env")).toEqual(["c", "d"])
        expect(yield* names("tier in (db, web),env")).toEqual(["a", "b"])
        expect(yield* names("tier notin (web)")).toEqual(["b"])
        expect(yield* names("")).toEqual(["a", "b", "c", "d"])
        const byField = yield* client.list(
          { apiVersion: "v1", kind: "ConfigMap" },
          { fieldSelector: "metadata.name=c" },
        )
        expect(byField.items.map((i) => i.metadata.name)).toEqual(["c"])
        const byNs = yield* client.list(
          { apiVersion: "v1", kind: "ConfigMap" },
          { fieldSelector: "metadata.namespace!=apps" },
        )
        expect(byNs.items.map((i) => i.metadata.name)).toEqual(["d"])
        expect(byField.resourceVersion).toBe(yield* driver.resourceVersion)
        const bad = yield* Effect.flip(
          client.list({ apiVersion: "v1", kind: "ConfigMap" }, { labelSelector: "a in (" }),
        )
        expect(bad._tag).toBe("KubeInvalid")
        const badField = yield* Effect.flip(
          client.list({ apiVersion: "v1", kind: "ConfigMap" }, { fieldSelector: "spec.x=1" }),
        )
        expect(badField.message).toBe("field label not supported: spec.x")
      }),
  )

  it.effect("discovery: preferred versions, non-preferred served versions, unknown kinds", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const deploy = yield* client.discover("apps/v1", "Deployment")
      expect(deploy).toEqual({
        group: "apps",
        version: "v1",
        kind: "Deployment",
        plural: "deployments",
        namespaced: true,
        hasStatus: true,
      })
      const hpa = yield* client.discover("autoscaling/v1", "HorizontalPodAutoscaler")
      expect(hpa.version).toBe("v1")
      const all = yield* client.resources()
      expect(all.find((r) => r.kind === "HorizontalPodAutoscaler")?.version).toBe("v2")
      expect(all.find((r) => r.kind === "Namespace")?.namespaced).toBe(false)
      expect(all.find((r) => r.kind === "StageInventory")).toMatchObject({
        group: "stages.metio.wtf",
        hasStatus: false,
      })
      const unknown = yield* Effect.flip(client.discover("apps/v1beta1", "Deployment"))
      expect(unknown._tag).toBe("KubeNotFound")
      yield* client.invalidateDiscovery
    }),
  )

  it.effect(
    "namespaces get their name label, phase Active and the kubernetes finalizer; defaults exist",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        const ns = yield* client.get({ apiVersion: "v1", kind: "Namespace", name: "apps" })
        expect(ns.metadata.labels).toEqual({ "kubernetes.io/metadata.name": "apps" })
        expect(ns.status).toEqual({ phase: "Active" })
        expect(ns.spec).toEqual({ finalizers: ["kubernetes"] })
        const fallback = yield* driver.getObject({
          apiVersion: "v1",
          kind: "Namespace",
          name: "default",
        })
        expect(Option.isSome(fallback)).toBe(true)
      }),
  )

  it.effect("generateName and required names", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const generated = yield* client.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "", generateName: "gen-", namespace: "apps" },
      })
      expect(generated.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/)
      const nameless = yield* Effect.flip(
        client.create({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "", namespace: "apps" },
        }),
      )
      expect(nameless._tag).toBe("KubeInvalid")
      const withRv = yield* Effect.flip(
        client.create({
          ...configMap("r", {}),
          metadata: { name: "r", namespace: "apps", resourceVersion: "5" },
        }),
      )
      expect(withRv._tag).toBe("KubeInvalid")
    }),
  )
})
