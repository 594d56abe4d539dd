import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { makeKubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import type { KubeObject, ManagedFieldsEntry } from "../../../src/kube/KubeObject.ts"

const ours = { fieldManager: "stageset-controller", force: false }

const deployment = (
  spec: Record<string, unknown>,
  labels?: Record<string, string>,
): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "apps", ...(labels === undefined ? {} : { labels }) },
  spec,
})

const baseSpec = {
  replicas: 2,
  selector: { matchLabels: { app: "web" } },
  template: {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "nginx:1" }] },
  },
}

const managers = (object: KubeObject): ReadonlyArray<string> =>
  (object.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`)

const entry = (object: KubeObject, manager: string): ManagedFieldsEntry | undefined =>
  object.metadata.managedFields?.find((e) => e.manager === manager)

const setup = Effect.gen(function* () {
  const cluster = yield* makeKubeClientInMemory()
  yield* cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } })
  return cluster
})

describe("in-memory KubeClient: server-side apply", () => {
  it.effect("creates on apply with an Apply managedFields entry in fieldsV1 form", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const applied = yield* client.apply(deployment(baseSpec, { team: "a" }), ours)
      expect(applied.metadata.uid).toBeDefined()
      expect(applied.metadata.generation).toBe(1)
      expect(managers(applied)).toEqual(["stageset-controller/Apply"])
      const mine = entry(applied, "stageset-controller")!
      expect(mine).toMatchObject({
        apiVersion: "apps/v1",
        fieldsType: "FieldsV1",
        time: "1970-01-01T00:00:00Z",
      })
      expect(mine.fieldsV1).toEqual({
        "f:metadata": { "f:labels": { "f:team": {} } },
        "f:spec": {
          "f:replicas": {},
          "f:selector": { "f:matchLabels": { "f:app": {} } },
          "f:template": {
            "f:metadata": { "f:labels": { "f:app": {} } },
            "f:spec": {
              "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } },
            },
          },
        },
      })
    }),
  )

  it.effect("a no-op apply does not bump resourceVersion and is logged as unchanged", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const first = yield* client.apply(deployment(baseSpec), ours)
      yield* TestClock.adjust("1 minute")
      const second = yield* client.apply(deployment(baseSpec), ours)
      expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion)
      expect(second).toEqual(first)
      const applies = (yield* driver.writeLog).filter((e) => e.verb === "apply")
      expect(applies.map((e) => e.changed)).toEqual([true, false])
    }),
  )

  it.effect("updates changed fields and removes the fields the manager stopped sending", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      yield* client.apply(
        deployment({ ...baseSpec, minReadySeconds: 5 }, { team: "a", tier: "web" }),
        ours,
      )
      const next = yield* client.apply(
        deployment({ ...baseSpec, replicas: 4 }, { team: "a" }),
        ours,
      )
      expect(next.metadata.labels).toEqual({ team: "a" })
      expect(next.spec).toMatchObject({ replicas: 4 })
      expect((next.spec as Record<string, unknown>).minReadySeconds).toBeUndefined()
      expect(next.metadata.generation).toBe(2)
      // removing the last label removes the now empty map too
      const bare = yield* client.apply(deployment({ ...baseSpec, replicas: 4 }), ours)
      expect(bare.metadata.labels).toBeUndefined()
    }),
  )

  it.effect("associative lists merge by key: another manager's container survives our apply", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* client.apply(deployment(baseSpec), ours)
      const sidecar = {
        ...deployment({
          template: { spec: { containers: [{ name: "sidecar", image: "envoy:1" }] } },
        }),
      }
      yield* driver.writeAs("mesh-injector", sidecar)
      const next = yield* client.apply(deployment({ ...baseSpec, replicas: 3 }), ours)
      const containers = (
        next.spec as { template: { spec: { containers: Array<{ name: string }> } } }
      ).template.spec.containers
      expect(containers.map((c) => c.name)).toEqual(["web", "sidecar"])
    }),
  )

  it.effect(
    "conflict without force: 409 naming the other manager and the field; nothing changes",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        const applied = yield* client.apply(deployment(baseSpec), ours)
        yield* driver.writeAs("kubectl", deployment({ replicas: 5 }), { force: true })
        const error = yield* Effect.flip(
          client.apply(deployment({ ...baseSpec, replicas: 2 }), ours),
        )
        expect(error._tag).toBe("KubeConflict")
        expect(error._tag === "KubeConflict" && error.reason).toBe("Conflict")
        expect(error.message).toBe(
          'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
        )
        const live = yield* client.get({
          apiVersion: "apps/v1",
          kind: "Deployment",
          namespace: "apps",
          name: "web",
        })
        expect((live.spec as { replicas: number }).replicas).toBe(5)
        expect(Number(live.metadata.resourceVersion)).toBeGreaterThan(
          Number(applied.metadata.resourceVersion),
        )
      }),
  )

  it.effect(
    "equal values are shared without conflict; an Update manager's field conflicts with 'using'",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        yield* client.apply(deployment(baseSpec), ours)
        const shared = yield* driver.writeAs("helm", deployment({ replicas: 2 }))
        expect(managers(shared)).toEqual(["stageset-controller/Apply", "helm/Apply"])
        const current = yield* client.get({
          apiVersion: "apps/v1",
          kind: "Deployment",
          namespace: "apps",
          name: "web",
        })
        yield* driver.writeAs(
          "kubectl-edit",
          { ...current, spec: { ...(current.spec as object), replicas: 9 } },
          { operation: "update" },
        )
        const error = yield* Effect.flip(client.apply(deployment(baseSpec), ours))
        expect(error.message).toBe(
          'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
        )
      }),
  )

  it.effect("force takes ownership; the other manager loses the field", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* client.apply(deployment(baseSpec), ours)
      yield* driver.writeAs("kubectl", deployment({ replicas: 5, minReadySeconds: 1 }), {
        force: true,
      })
      const forced = yield* client.apply(deployment(baseSpec), { ...ours, force: true })
      expect((forced.spec as { replicas: number }).replicas).toBe(2)
      const kubectl = entry(forced, "kubectl")!
      expect(kubectl.fieldsV1).toEqual({ "f:spec": { "f:minReadySeconds": {} } })
      // kubectl stops sending minReadySeconds: it is removed; kubectl now owns nothing and disappears
      const bare = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "apps" },
      }
      const after = yield* driver.writeAs("kubectl", bare, { force: true })
      expect((after.spec as Record<string, unknown>).minReadySeconds).toBeUndefined()
      expect(managers(after)).toEqual(["stageset-controller/Apply"])
    }),
  )

  it.effect(
    "a force-apply by another manager of all our fields removes our managedFields entry",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        yield* client.apply(
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "c", namespace: "apps", labels: { a: "1" } },
            data: { k: "v" },
          },
          ours,
        )
        const taken = yield* driver.writeAs(
          "other-tool",
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "c", namespace: "apps", labels: { a: "2" } },
            data: { k: "w" },
          },
          { force: true },
        )
        expect(managers(taken)).toEqual(["other-tool/Apply"])
        // our next apply without force now conflicts on both fields
        const error = yield* Effect.flip(
          client.apply(
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "c", namespace: "apps", labels: { a: "1" } },
              data: { k: "v" },
            },
            ours,
          ),
        )
        expect(error.message).toBe(
          'Apply failed with 2 conflicts: conflicts with "other-tool":\n- .data.k\n- .metadata.labels.a',
        )
      }),
  )

  it.effect(
    "status is ignored by apply for kinds with a status subresource, part of the object otherwise",
    () =>
      Effect.gen(function* () {
        const { client } = yield* setup
        const d = yield* client.apply({ ...deployment(baseSpec), status: { replicas: 3 } }, ours)
        expect(d.status).toBeUndefined()
        const inv = yield* client.apply(
          {
            apiVersion: "stages.metio.wtf/v1",
            kind: "StageInventory",
            metadata: { name: "s-a-0", namespace: "apps" },
            spec: { stagePosition: 0, entries: [] },
            status: { note: "kept" },
          },
          ours,
        )
        expect(inv.status).toEqual({ note: "kept" })
        expect(inv.metadata.generation).toBe(1)
      }),
  )

  it.effect("dryRun computes the result without storing it", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const before = yield* driver.resourceVersion
      const dry = yield* client.apply(deployment(baseSpec), { ...ours, dryRun: true })
      expect(dry.spec).toMatchObject({ replicas: 2 })
      expect(yield* driver.resourceVersion).toBe(before)
      const missing = yield* Effect.flip(
        client.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: "apps", name: "web" }),
      )
      expect(missing._tag).toBe("KubeNotFound")
    }),
  )

  it.effect(
    "create/update record Update entries; apply onto an unmanaged object conflicts with before-first-apply",
    () =>
      Effect.gen(function* () {
        const { client } = yield* setup
        const created = yield* client.create({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "c", namespace: "apps" },
          data: { k: "v" },
        })
        expect(managers(created)).toEqual(["stageset-controller/Update"])
        const reset = yield* client.update({
          ...created,
          metadata: { ...created.metadata, managedFields: [{}] },
        })
        expect(reset.metadata.managedFields).toBeUndefined()
        const error = yield* Effect.flip(
          client.apply(
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "c", namespace: "apps" },
              data: { k: "w" },
            },
            { fieldManager: "x", force: false },
          ),
        )
        expect(error.message).toBe(
          'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.k',
        )
      }),
  )

  it.effect("finalizers merge as a set between managers", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const cm = (finalizers: Array<string>): KubeObject => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "c", namespace: "apps", finalizers },
      })
      yield* client.apply(cm(["a.example/one"]), ours)
      const both = yield* driver.writeAs("other", cm(["b.example/two"]))
      expect(both.metadata.finalizers).toEqual(["a.example/one", "b.example/two"])
      const dropped = yield* client.apply(cm([]), ours)
      expect(dropped.metadata.finalizers).toEqual(["b.example/two"])
    }),
  )
})
