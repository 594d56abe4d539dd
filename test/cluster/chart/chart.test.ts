import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { parseAllDocuments } from "yaml"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { LiveKubeClient, testNamespace } from "../support.ts"
import { type Attributes, accessMismatches, installObjects, relocate } from "./installChart.ts"

// The committed render; test/cluster/render/chartRender.test.ts keeps it equal to `helm template`.
const installPath = join(import.meta.dirname, "../../../manifests/install.yaml")
type Mutable = Record<string, unknown> & { metadata: Record<string, unknown> }

const loadInstall = Effect.promise(async () =>
  parseAllDocuments(await readFile(installPath, "utf8"))
    .map((doc) => doc.toJS() as Mutable | null)
    .filter((o): o is Mutable => o !== null),
)

layer(LiveKubeClient, { excludeTestServices: true })("Helm chart on a real API server", (it) => {
  it.scoped(
    "installs, and grants its ServiceAccount what the controller needs and nothing it excludes",
    () =>
      Effect.gen(function* () {
        const kube = yield* KubeClient
        const ns = yield* testNamespace("chart")
        const elsewhere = yield* testNamespace("chart-apps")
        const rendered = yield* loadInstall
        expect(
          rendered.map((o) => o.kind),
          "the install renders these kinds",
        ).toEqual([
          "CustomResourceDefinition",
          "CustomResourceDefinition",
          "ServiceAccount",
          "ClusterRole",
          "ClusterRole",
          "ClusterRole",
          "ClusterRoleBinding",
          "ClusterRoleBinding",
          "ClusterRoleBinding",
          "Role",
          "RoleBinding",
          "Service",
          "Deployment",
        ])
        const applyBinding = rendered.find(
          (o) => o.kind === "ClusterRoleBinding" && o.metadata.name === "stageset-controller-apply",
        )
        expect(applyBinding?.roleRef).toMatchObject({ name: "stageset-controller-apply" })

        const objects = relocate(rendered, ns)
        yield* installObjects(objects)

        const user = `system:serviceaccount:${ns}:stageset-controller`
        const stages = "stages.metio.wtf"
        const expectations: ReadonlyArray<readonly [boolean, Attributes]> = [
          // The controller's own work.
          [true, { verb: "list", group: stages, resource: "stagesets" }],
          [true, { verb: "watch", group: stages, resource: "stagesets" }],
          [true, { verb: "update", group: stages, resource: "stagesets", namespace: elsewhere }],
          [true, { verb: "update", group: stages, resource: "stagesets", subresource: "status" }],
          [
            true,
            { verb: "update", group: stages, resource: "stagesets", subresource: "finalizers" },
          ],
          [true, { verb: "create", group: stages, resource: "stageinventories", namespace: ns }],
          [true, { verb: "delete", group: stages, resource: "stageinventories", namespace: ns }],
          [true, { verb: "deletecollection", group: stages, resource: "stageinventories" }],
          [true, { verb: "get", resource: "configmaps", namespace: elsewhere }],
          [true, { verb: "list", group: "source.toolkit.fluxcd.io", resource: "ocirepositories" }],
          [true, { verb: "create", resource: "events", namespace: elsewhere }],
          [true, { verb: "patch", group: "events.k8s.io", resource: "events", namespace: ns }],
          [
            true,
            { verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: ns },
          ],
          [
            true,
            { verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: ns },
          ],
          // The shard Leases of --shards (and the leader Lease) by name: the Role names none.
          ...[
            "stageset-controller.stages.metio.wtf",
            "stageset-controller-shard-3.stages.metio.wtf",
          ].flatMap((name) =>
            (["get", "create", "update"] as const).map(
              (verb) =>
                [
                  true,
                  { verb, group: "coordination.k8s.io", resource: "leases", namespace: ns, name },
                ] as const,
            ),
          ),
          [true, { verb: "impersonate", resource: "serviceaccounts", namespace: elsewhere }],
          [
            true,
            { verb: "watch", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
          ],
          // The apply role: users' objects anywhere, RBAC objects included.
          [true, { verb: "create", group: "apps", resource: "deployments", namespace: elsewhere }],
          [true, { verb: "patch", group: "apps", resource: "deployments", namespace: elsewhere }],
          [true, { verb: "create", resource: "services", namespace: elsewhere }],
          [
            true,
            { verb: "create", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings" },
          ],
          // What the chart leaves out.
          [
            false,
            {
              verb: "create",
              group: "coordination.k8s.io",
              resource: "leases",
              namespace: elsewhere,
            },
          ],
          [
            false,
            { verb: "escalate", group: "rbac.authorization.k8s.io", resource: "clusterroles" },
          ],
          [false, { verb: "bind", group: "rbac.authorization.k8s.io", resource: "clusterroles" }],
          [
            false,
            { verb: "bind", group: "rbac.authorization.k8s.io", resource: "roles", namespace: ns },
          ],
          [false, { verb: "impersonate", resource: "users" }],
          [false, { verb: "impersonate", resource: "groups" }],
          [false, { verb: "get", resource: "nodes" }],
          [false, { verb: "get", resource: "nodes", subresource: "proxy" }],
          [false, { verb: "create", resource: "nodes", subresource: "proxy" }],
          [
            false,
            { verb: "create", resource: "serviceaccounts", subresource: "token", namespace: ns },
          ],
          [false, { verb: "create", resource: "pods", subresource: "exec", namespace: elsewhere }],
          [false, { verb: "create", resource: "pods", subresource: "portforward", namespace: ns }],
          [false, { verb: "update", resource: "pods", subresource: "ephemeralcontainers" }],
          [
            false,
            {
              verb: "create",
              group: "certificates.k8s.io",
              resource: "certificatesigningrequests",
            },
          ],
        ]
        const mismatches = yield* accessMismatches(ns, "stageset-controller", expectations)
        expect(mismatches).toEqual([])

        // Acting as the ServiceAccount: a Deployment elsewhere applies; binding cluster-admin
        // is refused, since the role holds neither bind nor everything cluster-admin grants.
        const asController = kube.impersonate(user)
        yield* asController.apply(
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "hello", namespace: elsewhere },
            spec: {
              selector: { matchLabels: { app: "hello" } },
              template: {
                metadata: { labels: { app: "hello" } },
                spec: { containers: [{ name: "hello", image: "hello:1" }] },
              },
            },
          } as KubeObject,
          { fieldManager: "stageset-controller", force: true },
        )
        const escalation = yield* Effect.flip(
          asController.create({
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: `escalate-${ns}` },
            roleRef: {
              apiGroup: "rbac.authorization.k8s.io",
              kind: "ClusterRole",
              name: "cluster-admin",
            },
            subjects: [{ kind: "ServiceAccount", name: "stageset-controller", namespace: ns }],
          } as KubeObject),
        )
        expect(escalation._tag).toBe("KubeForbidden")
      }),
    180_000,
  )
})
