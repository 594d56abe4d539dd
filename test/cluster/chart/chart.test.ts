import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { parseAllDocuments } from "yaml"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { eventually, LiveKubeClient, testNamespace } from "../support.ts"

// The committed render; test/cluster/render/chartRender.test.ts keeps it equal to `helm template`.
const installPath = join(import.meta.dirname, "../../../manifests/install.yaml")
const fieldManager = "stageset-cluster-tests"
const clusterScopedRbac = new Set(["ClusterRole", "ClusterRoleBinding"])

type Mutable = Record<string, unknown> & { metadata: Record<string, unknown> }

const loadInstall = Effect.promise(async () =>
  parseAllDocuments(await readFile(installPath, "utf8"))
    .map((doc) => doc.toJS() as Mutable | null)
    .filter((o): o is Mutable => o !== null),
)

/**
 * Moves the install from stageset-system into `ns` and suffixes the names of its
 * ClusterRoles and ClusterRoleBindings with `ns`, so runs never share them.
 */
const relocate = (objects: ReadonlyArray<Mutable>, ns: string): Array<KubeObject> =>
  objects.map((source) => {
    const o = structuredClone(source)
    if (o.metadata.namespace === "stageset-system") o.metadata.namespace = ns
    if (clusterScopedRbac.has(o.kind as string)) o.metadata.name = `${o.metadata.name}-${ns}`
    const roleRef = o.roleRef as { kind: string; name: string } | undefined
    if (roleRef?.kind === "ClusterRole") roleRef.name = `${roleRef.name}-${ns}`
    for (const subject of (o.subjects ?? []) as Array<{ namespace?: string }>)
      subject.namespace = ns
    return o as unknown as KubeObject
  })

type Attributes = {
  readonly verb: string
  readonly resource: string
  readonly group?: string
  readonly subresource?: string
  readonly namespace?: string
}

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
        for (const object of objects) {
          yield* kube.apply(object, { fieldManager, force: true })
          // CRDs stay (other suites use them); the run's ClusterRoles and bindings go.
          if (clusterScopedRbac.has(object.kind)) {
            yield* Effect.addFinalizer(() =>
              Effect.ignore(
                kube.delete({
                  apiVersion: object.apiVersion,
                  kind: object.kind,
                  name: object.metadata.name,
                }),
              ),
            )
          }
        }
        // Every object landed, the Deployment included (it never runs: there is no kubelet).
        for (const object of objects) {
          yield* kube.get({
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            ...(object.metadata.namespace === undefined
              ? {}
              : { namespace: object.metadata.namespace }),
          })
        }

        const user = `system:serviceaccount:${ns}:stageset-controller`
        const allowed = (attributes: Attributes) =>
          kube
            .create({
              apiVersion: "authorization.k8s.io/v1",
              kind: "SubjectAccessReview",
              metadata: { name: "" },
              spec: {
                user,
                groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`],
                resourceAttributes: attributes,
              },
            } as KubeObject)
            .pipe(Effect.map((review) => (review.status as { allowed?: boolean }).allowed === true))

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
        // RBAC reaches the authorizer through informers: wait until every answer is as expected.
        const mismatches = yield* eventually(
          Effect.gen(function* () {
            const wrong: Array<string> = []
            for (const [expected, attributes] of expectations) {
              if ((yield* allowed(attributes)) !== expected) {
                wrong.push(`${expected ? "cannot" : "can"} ${JSON.stringify(attributes)}`)
              }
            }
            return wrong.length === 0 ? Effect.succeed(wrong) : Effect.fail(wrong)
          }).pipe(Effect.flatten),
          Duration.seconds(30),
        ).pipe(Effect.catchAll((wrong) => Effect.succeed(wrong)))
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
