import { expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { inject } from "vitest"
import { makeKubeClientLive } from "../../layers/KubeClient.live.ts"
import { loadKubeConfig } from "../../layers/live/loadKubeConfig.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { KubeObject, ResourceInfo } from "../../src/kube/KubeObject.ts"
import { eventually, LiveKubeClient, testNamespace, uniqueName } from "./support.ts"

const crdKey = (name: string) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  name,
})

/** A small CRD of the test's own, in a group no other test uses. */
const widgetCrd = (group: string): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    names: { kind: "Widget", listKind: "WidgetList", plural: "widgets", singular: "widget" },
    scope: "Namespaced",
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } },
              status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        },
      },
    ],
  },
})

layer(LiveKubeClient, { excludeTestServices: true })("KubeClient live: discovery", (it) => {
  it.effect("maps built-in kinds to plural and scope", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      expect(yield* kube.discover("apps/v1", "Deployment")).toEqual({
        group: "apps",
        version: "v1",
        kind: "Deployment",
        plural: "deployments",
        namespaced: true,
        hasStatus: true,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
      })
      // A create-only kind says so: the rebuild's label search must not list it.
      expect(
        (yield* kube.discover("authorization.k8s.io/v1", "SubjectAccessReview")).verbs,
      ).toEqual(["create"])
      expect(yield* kube.discover("v1", "Namespace")).toMatchObject({
        plural: "namespaces",
        namespaced: false,
      })
      expect(yield* kube.discover("v1", "ConfigMap")).toMatchObject({
        plural: "configmaps",
        hasStatus: false,
      })
      const unknown = yield* Effect.flip(kube.discover("example.invalid/v1", "Nothing"))
      expect(unknown._tag).toBe("KubeNotFound")
    }),
  )

  it.effect("resources() lists preferred versions, without subresources", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const all = yield* kube.resources()
      const names = all.map((r) => `${r.group}/${r.version}/${r.plural}`)
      expect(names).toContain("apps/v1/deployments")
      expect(names).toContain("/v1/configmaps")
      expect(all.some((r) => r.plural.includes("/"))).toBe(false)
      // One version per group.
      const versionsOf = (group: string) =>
        new Set(all.filter((r) => r.group === group).map((r) => r.version))
      expect(versionsOf("autoscaling").size).toBe(1)
    }),
  )

  it.scoped("the per-group-version walk (servers before 1.30) finds the same resources", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const { kubeconfig } = yield* loadKubeConfig({ kubeconfigPath: inject("kubeconfig") })
      const legacy = yield* makeKubeClientLive({ kubeconfig, aggregatedDiscovery: false })
      const names = (all: ReadonlyArray<ResourceInfo>) =>
        all
          .map(
            (r) => `${r.group}/${r.version}/${r.kind}/${r.plural}/${r.namespaced}/${r.hasStatus}`,
          )
          .sort()
      expect(names(yield* legacy.resources())).toEqual(names(yield* kube.resources()))
      expect(yield* legacy.discover("apps/v1", "Deployment")).toEqual(
        yield* kube.discover("apps/v1", "Deployment"),
      )
    }),
  )

  it.scoped("finds a freshly established CRD without an explicit invalidation", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("crd")
      const group = `${uniqueName("t")}.stageset.test`
      // Warm the cache first, so that the CRD really arrives after it.
      yield* kube.resources()
      const crd = widgetCrd(group)
      yield* Effect.acquireRelease(kube.create(crd), () =>
        Effect.ignore(kube.delete(crdKey(crd.metadata.name))),
      )
      yield* eventually(
        Effect.flatMap(kube.get(crdKey(crd.metadata.name)), (live) => {
          const conditions =
            (live.status as { conditions?: Array<{ type: string; status: string }> })?.conditions ??
            []
          return conditions.some((c) => c.type === "Established" && c.status === "True")
            ? Effect.void
            : Effect.fail("not established yet")
        }),
        Duration.seconds(30),
      )
      const info = yield* kube.discover(`${group}/v1`, "Widget")
      expect(info).toMatchObject({ plural: "widgets", namespaced: true, hasStatus: true })
      const widget = yield* kube.apply(
        {
          apiVersion: `${group}/v1`,
          kind: "Widget",
          metadata: { name: "w", namespace: ns },
          spec: { size: 3 },
        },
        { fieldManager: "stageset-controller", force: false },
      )
      expect(widget.spec).toEqual({ size: 3 })
      const invalid = yield* Effect.flip(
        kube.apply(
          {
            apiVersion: `${group}/v1`,
            kind: "Widget",
            metadata: { name: "bad", namespace: ns },
            spec: { size: 0 },
          },
          { fieldManager: "stageset-controller", force: false },
        ),
      )
      expect(invalid._tag).toBe("KubeInvalid")
      expect(invalid.message).toContain("spec.size")
      yield* kube.invalidateDiscovery
      expect(yield* kube.discover(`${group}/v1`, "Widget")).toEqual(info)
    }),
  )
})
