import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { type AcceptanceEnv, MODES, type ScenarioServices, scenarioLayer } from "../harness/Env.ts"
import {
  applyAsUser,
  cmKey,
  configMap,
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  statusOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { Recorder } from "../harness/Recorder.ts"

const job = (image: string): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "migrate" },
  spec: {
    backoffLimit: 0,
    template: {
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "main", image, command: ["true"] }],
      },
    },
  },
})

const pvc = (accessMode: string): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "scratch" },
  spec: { accessModes: [accessMode], resources: { requests: { storage: "1Gi" } } },
})

const imageOf = (object: KubeObject | undefined) =>
  (object?.spec as { template: { spec: { containers: Array<{ image: string }> } } } | undefined)
    ?.template.spec.containers[0]?.image

/**
 * Neither a Job nor an unbound PVC turns ready without the controllers this suite does not
 * run (the Job controller, the volume binder), so these stages do not wait for readiness:
 * the outcome is about the apply.
 */
const noWait = { readyChecks: { disableWait: true } }

/** S15 (immutable fields under the conflict policies) and S22 (KeepExisting). */
export const conflicts = (env: AcceptanceEnv) =>
  describe.each(MODES)(`conflict policies [${env.name}] mode=%s`, (mode) => {
    const run = <A, E>(body: Effect.Effect<A, E, ScenarioServices>) =>
      Effect.provide(body, scenarioLayer(env.kube(), { mode }))

    /** A namespace with a one-stage StageSet `ss` rendering `objects` from source `src`. */
    const setUp = (
      ns: string,
      objects: ReadonlyArray<KubeObject>,
      extra: Record<string, unknown>,
    ) =>
      Effect.gen(function* () {
        yield* createNamespace(ns)
        yield* setSource(ns, "src", { "x.yaml": yamlOf(objects) })
        yield* setStageSet(ns, "ss", [{ name: "only", source: "src", extra }])
        expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
      })
    const jobKey = (ns: string) => ({
      apiVersion: "batch/v1",
      kind: "Job",
      namespace: ns,
      name: "migrate",
    })
    const pvcKey = (ns: string) => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      namespace: ns,
      name: "scratch",
    })

    it.live(
      "S15: a Job template change fails with ApplyConflict and the API message by default",
      () =>
        run(
          Effect.gen(function* () {
            const ns = uniqueName("s15f")
            yield* setUp(ns, [job("busybox:1.36")], noWait)
            const before = yield* getObject(jobKey(ns))
            yield* setSource(ns, "src", { "x.yaml": yamlOf([job("busybox:1.37")]) })
            const report = yield* reconcile(ns, "ss")
            expect(report.outcome._tag).toBe("Failed")
            if (report.outcome._tag !== "Failed") return
            expect(report.outcome.failure.reason).toBe("ApplyConflict")
            expect(report.outcome.failure.message).toContain("field is immutable")
            // The message names the object, not only the API server's words.
            expect(report.outcome.failure.message).toContain(`Job ${ns}/`)

            const status = yield* statusOf(ns, "ss")
            const ready = status?.conditions?.find((c) => c.type === "Ready")
            expect(ready).toMatchObject({ status: "False", reason: "ApplyConflict" })
            expect(ready?.message).toContain("field is immutable")
            expect(status?.stages?.[0]?.phase).toBe("Failed")
            const after = yield* getObject(jobKey(ns))
            expect(after?.metadata.uid).toBe(before?.metadata.uid)
            expect(imageOf(after)).toBe("busybox:1.36")
          }),
        ),
    )

    it.live("S15: with a Recreate rule for Jobs the Job is deleted and created again", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("s15r")
          yield* setUp(ns, [job("busybox:1.36")], {
            ...noWait,
            conflictPolicy: { rules: [{ target: { kind: "Job" }, action: "Recreate" }] },
          })
          const before = yield* getObject(jobKey(ns))
          yield* setSource(ns, "src", { "x.yaml": yamlOf([job("busybox:1.37")]) })
          const report = yield* reconcile(ns, "ss")
          expect(report.outcome).toEqual({ _tag: "Ready" })
          const after = yield* getObject(jobKey(ns))
          expect(after).toBeDefined()
          expect(after?.metadata.uid).not.toBe(before?.metadata.uid)
          expect(imageOf(after)).toBe("busybox:1.37")
        }),
      ),
    )

    it.live("S15: Recreate of a PVC without allowDataLoss is refused and the PVC left alone", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("s15p")
          yield* setUp(ns, [pvc("ReadWriteOnce")], {
            ...noWait,
            conflictPolicy: {
              rules: [{ target: { kind: "PersistentVolumeClaim" }, action: "Recreate" }],
            },
          })
          const before = yield* getObject(pvcKey(ns))
          const recorder = yield* Recorder
          yield* setSource(ns, "src", { "x.yaml": yamlOf([pvc("ReadOnlyMany")]) })
          yield* recorder.clear
          const report = yield* reconcile(ns, "ss")
          expect(report.outcome._tag).toBe("Failed")
          if (report.outcome._tag !== "Failed") return
          expect(report.outcome.failure.reason).toBe("ApplyConflict")
          expect(report.outcome.failure.message).toContain("allowDataLoss")
          const after = yield* getObject(pvcKey(ns))
          expect(after?.metadata.uid).toBe(before?.metadata.uid)
          expect((after?.spec as { accessModes?: Array<string> } | undefined)?.accessModes).toEqual(
            ["ReadWriteOnce"],
          )
          expect((yield* recorder.writes).filter((w) => w.verb === "delete")).toEqual([])
        }),
      ),
    )

    it.live("S22: KeepExisting never patches an existing object and creates a missing one", () =>
      run(
        Effect.gen(function* () {
          const ns = uniqueName("s22")
          const kube = yield* KubeClient
          yield* setUp(ns, [configMap("edited", { key: "v1" }), configMap("removed")], {
            conflictPolicy: { default: "KeepExisting" },
          })
          const original = yield* getObject(cmKey(ns, "removed"))
          // The user edits one object and deletes the other; the render changes too.
          const edited = yield* applyAsUser({
            ...configMap("edited", { key: "by-user" }),
            metadata: { name: "edited", namespace: ns },
          })
          yield* kube.delete(cmKey(ns, "removed"))
          yield* setSource(ns, "src", {
            "x.yaml": yamlOf([configMap("edited", { key: "v2" }), configMap("removed")]),
          })
          const recorder = yield* Recorder
          yield* recorder.clear

          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
          const afterEdit = yield* getObject(cmKey(ns, "edited"))
          expect(afterEdit?.metadata.resourceVersion).toBe(edited.metadata.resourceVersion)
          expect(afterEdit?.data).toEqual({ key: "by-user" })
          const recreated = yield* getObject(cmKey(ns, "removed"))
          expect(recreated).toBeDefined()
          expect(recreated?.metadata.uid).not.toBe(original?.metadata.uid)
          expect(recreated?.data).toEqual({ key: "removed" })
          const writes = yield* recorder.writes
          expect(
            writes.filter((w) => w.key.kind === "ConfigMap" && w.key.name === "edited"),
          ).toEqual([])

          // A second run changes nothing either.
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
          const again = yield* getObject(cmKey(ns, "edited"))
          expect(again?.metadata.resourceVersion).toBe(edited.metadata.resourceVersion)
        }),
      ),
    )
  })
