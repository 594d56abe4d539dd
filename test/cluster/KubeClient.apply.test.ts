import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"
import { LiveKubeClient, testNamespace } from "./support.ts"

const configMap = (namespace: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "applied", namespace },
  data,
})

const key = (namespace: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  namespace,
  name: "applied",
})

layer(LiveKubeClient, { excludeTestServices: true })("KubeClient live: server-side apply", (it) => {
  it.scoped("creates, then updates, recording the field manager", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("apply")
      const created = yield* kube.apply(configMap(ns, { a: "1" }), {
        fieldManager: "stageset-controller",
        force: false,
      })
      expect(created.data).toEqual({ a: "1" })
      // managedFields are kept: the prune rules read them.
      expect(created.metadata.managedFields?.map((m) => [m.manager, m.operation])).toEqual([
        ["stageset-controller", "Apply"],
      ])
      const updated = yield* kube.apply(configMap(ns, { a: "1", b: "2" }), {
        fieldManager: "stageset-controller",
        force: false,
      })
      expect(updated.data).toEqual({ a: "1", b: "2" })
      expect(updated.metadata.uid).toBe(created.metadata.uid)
      // An object read back (with managedFields) can be applied as is.
      yield* kube.apply(updated, { fieldManager: "stageset-controller", force: false })
    }),
  )

  it.scoped("a field owned by another manager: conflict without force, taken over with force", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("conflict")
      yield* kube.apply(configMap(ns, { shared: "theirs" }), {
        fieldManager: "someone-else",
        force: false,
      })
      const conflict = yield* Effect.flip(
        kube.apply(configMap(ns, { shared: "ours" }), {
          fieldManager: "stageset-controller",
          force: false,
        }),
      )
      expect(conflict._tag).toBe("KubeConflict")
      // The server's own message names the manager and the field.
      expect(conflict.message).toContain("someone-else")
      expect(conflict.message).toContain(".data.shared")
      expect(conflict.request).toMatch(/^PATCH \/api\/v1\/namespaces\/.+\/configmaps\/applied$/)
      const forced = yield* kube.apply(configMap(ns, { shared: "ours" }), {
        fieldManager: "stageset-controller",
        force: true,
      })
      expect(forced.data).toEqual({ shared: "ours" })
      const owners = forced.metadata.managedFields?.map((m) => m.manager) ?? []
      expect(owners).toContain("stageset-controller")
    }),
  )

  it.scoped("a field the manager stops sending is removed", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("remove")
      yield* kube.apply(configMap(ns, { keep: "1", drop: "2" }), {
        fieldManager: "stageset-controller",
        force: false,
      })
      const after = yield* kube.apply(configMap(ns, { keep: "1" }), {
        fieldManager: "stageset-controller",
        force: false,
      })
      expect(after.data).toEqual({ keep: "1" })
      expect((yield* kube.get(key(ns))).data).toEqual({ keep: "1" })
    }),
  )

  it.scoped("a dry run computes the result without persisting it", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("dryrun")
      const dry = yield* kube.apply(configMap(ns, { a: "1" }), {
        fieldManager: "stageset-controller",
        force: false,
        dryRun: true,
      })
      expect(dry.data).toEqual({ a: "1" })
      expect((yield* Effect.flip(kube.get(key(ns))))._tag).toBe("KubeNotFound")
    }),
  )

  it.scoped("an invalid object is refused with 422 and the server's message", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("invalid")
      const error = yield* Effect.flip(
        kube.apply(
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Not_A_Name", namespace: ns } },
          { fieldManager: "stageset-controller", force: false },
        ),
      )
      expect(error._tag).toBe("KubeInvalid")
      if (error._tag === "KubeInvalid") expect(error.status).toBe(422)
      expect(error.message).toContain("Not_A_Name")
    }),
  )
})
