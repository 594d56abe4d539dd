import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { makeKubeClientLive } from "../../layers/KubeClient.live.ts"
import { loadKubeConfig } from "../../layers/live/loadKubeConfig.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"
import { LiveKubeClient, testNamespace, uniqueName } from "./support.ts"

const configMap = (
  namespace: string,
  name: string,
  data: Record<string, string>,
  labels = {},
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace, labels },
  data,
})

layer(LiveKubeClient, { excludeTestServices: true })("KubeClient live: CRUD", (it) => {
  it.scoped("creates, reads, updates with a resourceVersion precondition, deletes", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("crud")
      const key = { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "one" }

      const created = yield* kube.create(configMap(ns, "one", { a: "1" }))
      expect(created.metadata.uid).toBeTruthy()
      expect(created.metadata.resourceVersion).toBeTruthy()
      const again = yield* Effect.flip(kube.create(configMap(ns, "one", { a: "1" })))
      expect(again._tag).toBe("KubeConflict")
      if (again._tag === "KubeConflict") expect(again.reason).toBe("AlreadyExists")

      const read = yield* kube.get(key)
      expect(read).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", data: { a: "1" } })

      const updated = yield* kube.update({ ...read, data: { a: "2" } })
      expect(updated.metadata.resourceVersion).not.toBe(read.metadata.resourceVersion)
      // The old resourceVersion is now stale: the server refuses the write.
      const stale = yield* Effect.flip(kube.update({ ...read, data: { a: "3" } }))
      expect(stale._tag).toBe("KubeConflict")
      expect(stale.message).toContain("the object has been modified")

      yield* kube.delete(key, { uid: created.metadata.uid! })
      expect((yield* Effect.flip(kube.get(key)))._tag).toBe("KubeNotFound")
      expect((yield* Effect.flip(kube.delete(key)))._tag).toBe("KubeNotFound")
    }),
  )

  it.scoped("delete with a stale uid precondition is refused", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("uid")
      yield* kube.create(configMap(ns, "x", {}))
      const key = { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "x" }
      const error = yield* Effect.flip(
        kube.delete(key, { uid: "00000000-0000-0000-0000-000000000000" }),
      )
      expect(error._tag).toBe("KubeConflict")
      expect(yield* kube.get(key)).toBeTruthy()
    }),
  )

  it.scoped("updateStatus writes only the status subresource", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("status")
      const quota = yield* kube.create({
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "q", namespace: ns },
        spec: { hard: { pods: "5" } },
      })
      const written = yield* kube.updateStatus({
        ...quota,
        spec: { hard: { pods: "99" } },
        status: { hard: { pods: "5" }, used: { pods: "1" } },
      })
      expect(written.status).toMatchObject({ used: { pods: "1" } })
      // The spec change rides along in the body but the status endpoint ignores it.
      expect(written.spec).toEqual({ hard: { pods: "5" } })
    }),
  )

  it.scoped("lists by label selector across namespaces, and in one namespace", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const [a, b] = [yield* testNamespace("list-a"), yield* testNamespace("list-b")]
      const label = uniqueName("run")
      for (const ns of [a, b]) {
        yield* kube.create(configMap(ns, "match", {}, { run: label }))
        yield* kube.create(configMap(ns, "other", {}, { run: `${label}-no` }))
      }
      const all = yield* kube.list(
        { apiVersion: "v1", kind: "ConfigMap" },
        { labelSelector: `run=${label}` },
      )
      expect(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual(
        [`${a}/match`, `${b}/match`].sort(),
      )
      // Items of a list carry no apiVersion/kind on the wire; the client restores them.
      expect(all.items.every((o) => o.apiVersion === "v1" && o.kind === "ConfigMap")).toBe(true)
      expect(Number(all.resourceVersion)).toBeGreaterThan(0)
      const one = yield* kube.list(
        { apiVersion: "v1", kind: "ConfigMap" },
        { namespace: a, labelSelector: `run=${label}` },
      )
      expect(one.items.map((o) => o.metadata.name)).toEqual(["match"])
      const byField = yield* kube.list(
        { apiVersion: "v1", kind: "ConfigMap" },
        { namespace: a, fieldSelector: "metadata.name=other" },
      )
      expect(byField.items.map((o) => o.metadata.name)).toEqual(["other"])
    }),
  )

  it.scoped("follows continue tokens past one page", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      // Pages of 100 (the default is 5 000), so 520 objects take six.
      const { kubeconfig } = yield* loadKubeConfig({ kubeconfigPath: inject("kubeconfig") })
      const paged = yield* makeKubeClientLive({ kubeconfig, listPageSize: 100 }).pipe(Effect.orDie)
      const ns = yield* testNamespace("pages")
      const names = Array.from({ length: 520 }, (_, i) => `cm-${String(i).padStart(3, "0")}`)
      yield* Effect.forEach(
        names,
        (name) => kube.create(configMap(ns, name, {}, { page: "yes" })),
        {
          concurrency: 16,
          discard: true,
        },
      )
      const listed = yield* paged.list(
        { apiVersion: "v1", kind: "ConfigMap" },
        { namespace: ns, labelSelector: "page=yes" },
      )
      expect(listed.items.map((o) => o.metadata.name).sort()).toEqual(names)
    }),
  )

  it.scoped("cluster-scoped objects ignore the namespace", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const name = uniqueName("cluster-role")
      yield* Effect.acquireRelease(
        kube.create({
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRole",
          metadata: { name, namespace: "ignored" },
          rules: [],
        }),
        () =>
          Effect.ignore(
            kube.delete({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name }),
          ),
      )
      const read = yield* kube.get({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        name,
      })
      expect(read.metadata.namespace).toBeUndefined()
    }),
  )
})
