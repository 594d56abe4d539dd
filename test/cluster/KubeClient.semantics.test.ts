import { expect, layer } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import { eventually, LiveKubeClient, testNamespace, uniqueName } from "./support.ts"

const configMapKey = (namespace: string, name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  namespace,
  name,
})

/** Succeeds once `get` says the object is gone. */
const gone = <E extends { readonly _tag: string }, R>(get: Effect.Effect<unknown, E, R>) =>
  get.pipe(
    Effect.flip,
    Effect.filterOrFail(
      (error) => error._tag === "KubeNotFound",
      () => "still there",
    ),
    Effect.catchAll(() => Effect.fail("still there")),
  )

layer(LiveKubeClient, { excludeTestServices: true })("KubeClient live: cluster semantics", (it) => {
  it.effect("deleting a Namespace removes its objects (namespace controller)", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = uniqueName("ns-delete")
      yield* kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
      yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "inside", namespace: ns },
      })
      yield* kube.delete({ apiVersion: "v1", kind: "Namespace", name: ns })
      const terminating = yield* kube.get({ apiVersion: "v1", kind: "Namespace", name: ns })
      expect(terminating.metadata.deletionTimestamp).toBeTruthy()
      yield* eventually(
        gone(kube.get({ apiVersion: "v1", kind: "Namespace", name: ns })),
        Duration.seconds(90),
      )
      expect((yield* Effect.flip(kube.get(configMapKey(ns, "inside"))))._tag).toBe("KubeNotFound")
    }),
  )

  it.scoped("Background deletion of an owner collects its dependents (garbage collector)", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("gc")
      const owner = yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "owner", namespace: ns },
      })
      yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "owned",
          namespace: ns,
          ownerReferences: [
            { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata.uid! },
          ],
        },
      })
      yield* kube.delete(configMapKey(ns, "owner"), {
        propagationPolicy: "Background",
        uid: owner.metadata.uid!,
      })
      yield* eventually(gone(kube.get(configMapKey(ns, "owned"))), Duration.seconds(60))
    }),
  )

  it.scoped(
    "an impersonated ServiceAccount without RBAC is forbidden; a RoleBinding lets it in",
    () =>
      Effect.gen(function* () {
        const kube = yield* KubeClient
        const ns = yield* testNamespace("rbac")
        yield* kube.create({
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "deployer", namespace: ns },
        })
        const deployer = kube.impersonate(`system:serviceaccount:${ns}:deployer`)
        const denied = yield* Effect.flip(
          deployer.list({ apiVersion: "v1", kind: "ConfigMap" }, { namespace: ns }),
        )
        expect(denied._tag).toBe("KubeForbidden")
        if (denied._tag === "KubeForbidden") expect(denied.status).toBe(403)
        expect(denied.message).toContain(`system:serviceaccount:${ns}:deployer`)

        yield* kube.create({
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "Role",
          metadata: { name: "read-configmaps", namespace: ns },
          rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
        })
        // Bound to the namespace's ServiceAccount group, which the server adds on its own.
        yield* kube.create({
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "read-configmaps", namespace: ns },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-configmaps" },
          subjects: [
            {
              kind: "Group",
              apiGroup: "rbac.authorization.k8s.io",
              name: `system:serviceaccounts:${ns}`,
            },
          ],
        })
        yield* eventually(
          deployer.list({ apiVersion: "v1", kind: "ConfigMap" }, { namespace: ns }),
          Duration.seconds(30),
        )
        const write = yield* Effect.flip(
          deployer.create({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "nope", namespace: ns },
          }),
        )
        expect(write._tag).toBe("KubeForbidden")
      }),
  )

  it.scoped("changing a Job's template is refused: 422, field is immutable", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("job")
      const job = (image: string) => ({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "once", namespace: ns },
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "main", image }] },
          },
        },
      })
      yield* kube.apply(job("example/one:1"), { fieldManager: "stageset-controller", force: false })
      const error = yield* Effect.flip(
        kube.apply(job("example/one:2"), { fieldManager: "stageset-controller", force: true }),
      )
      expect(error._tag).toBe("KubeInvalid")
      if (error._tag === "KubeInvalid") expect(error.status).toBe(422)
      expect(error.message).toContain("field is immutable")
    }),
  )
})
