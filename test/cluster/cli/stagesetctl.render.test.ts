import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { beforeAll } from "vitest"
import { parseAllDocuments } from "yaml"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import {
  configMap,
  createNamespace,
  getObject,
  setSource,
  setStageSet,
  shardsOf,
  uniqueName,
  yamlOf,
} from "../../acceptance/harness/fixtures.ts"
import { installCrds } from "../../acceptance/harness/installCrds.ts"
import { cli, readyStageSet, reconcileWith, run, stageSetOf } from "./harness.ts"

/** build, diff, plan and apply against the real API server: what the controller would do. */

const secret = (password: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "creds" },
  stringData: { password },
})

const pvc: KubeObject = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "data" },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } } },
}

/** A Deployment nothing will ever run here (no scheduler, no kubelet): never Available. */
const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "web:1" }] },
    },
  },
}

const withDir = <A, E, R>(body: (dir: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "stagesetctl-"))),
    body,
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
  )

beforeAll(() => run(installCrds), 120_000)

describe("stagesetctl build, diff, plan, apply", () => {
  it("build renders a StageSet from its sources; Secret values masked unless --show-secrets", () =>
    run(
      Effect.gen(function* () {
        const ns = uniqueName("cli-build")
        yield* createNamespace(ns)
        yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("a"), secret("hunter2")]) })
        yield* setSource(ns, "src-two", { "b.yaml": yamlOf([configMap("b")]) })
        yield* setStageSet(ns, "ss", [
          { name: "one", source: "src" },
          { name: "two", source: "src-two" },
        ])
        const built = yield* cli(["build", "ss", "-n", ns])
        expect(built.stderr).toBe("")
        expect(built.code).toBe(0)
        const docs = parseAllDocuments(built.stdout).map((d) => d.toJS())
        expect(docs.map((d) => [d.kind, d.metadata.name, d.metadata.namespace])).toEqual([
          ["ConfigMap", "a", ns],
          ["Secret", "creds", ns],
          ["ConfigMap", "b", ns],
        ])
        expect(docs[1].stringData).toEqual({ password: "***" })
        expect(built.stdout).not.toContain("hunter2")
        expect(built.stdout).toContain(`# stage one: ${ns}_creds__Secret`)

        const shown = yield* cli(["build", "ss", "-n", ns, "--stage", "one", "--show-secrets"])
        expect(shown.code).toBe(0)
        expect(shown.stdout).toContain("password: hunter2")
        expect(shown.stdout).not.toContain("stage two")

        const json = yield* cli(["build", "ss", "-n", ns, "-o", "json", "--stage", "two"])
        expect(JSON.parse(json.stdout).items.map((o: KubeObject) => o.metadata.name)).toEqual(["b"])

        const missing = yield* cli(["build", "nope", "-n", ns])
        expect(missing.code).toBe(3)
        expect(missing.stderr).toContain(`stageset "nope" not found in namespace "${ns}"`)
      }),
    ))

  it("diff: 0 without changes, 1 with changes (values shown), 3 on error; --stage and --source-dir", () =>
    run(
      withDir((dir) =>
        Effect.gen(function* () {
          const ns = yield* readyStageSet("hybrid")
          const same = yield* cli(["diff", "ss", "-n", ns])
          expect(same.stderr).toBe("")
          expect(same.code).toBe(0)
          expect(same.stdout).toContain("no changes")

          // A local tree with what the source holds: nothing to change; then a drifted one.
          yield* Effect.promise(() =>
            writeFile(join(dir, "one.yaml"), yamlOf([configMap("a1"), configMap("a2")])),
          )
          const local = yield* cli(["diff", "ss", "-n", ns, "--source-dir", `one=${dir}`])
          expect(local.stderr).toBe("")
          expect(local.code).toBe(0)
          yield* Effect.promise(() =>
            writeFile(
              join(dir, "one.yaml"),
              yamlOf([configMap("a1", { key: "goodbye" }), configMap("a2")]),
            ),
          )
          const drift = yield* cli(["diff", "ss", "-n", ns, "--source-dir", `one=${dir}`])
          expect(drift.code).toBe(1)
          expect(drift.stdout).toBe(
            `~ configure ConfigMap/a1 -n ${ns} [stage one]\n    data.key: "a1" -> "goodbye"\n`,
          )

          yield* setSource(ns, "src-one", {
            "one.yaml": yamlOf([configMap("a1", { key: "changed" }), configMap("a3")]),
          })
          const changed = yield* cli(["diff", "ss", "-n", ns])
          expect(changed.stderr).toBe("")
          expect(changed.code).toBe(1)
          expect(changed.stdout).toContain(`~ configure ConfigMap/a1 -n ${ns} [stage one]`)
          expect(changed.stdout).toContain(`data.key: "a1" -> "changed"`)
          expect(changed.stdout).toContain(`+ create ConfigMap/a3 -n ${ns} [stage one]`)
          expect(changed.stdout).toContain(`- delete ConfigMap/a2 -n ${ns} [stage one]`)
          expect(changed.stdout).not.toContain("stage two")
          const onlyTwo = yield* cli(["diff", "ss", "-n", ns, "--stage", "two"])
          expect(onlyTwo.code).toBe(0)

          const missing = yield* cli(["diff", "nope", "-n", ns])
          expect(missing.code).toBe(3)
          expect(missing.stderr).toContain(`stageset "nope" not found in namespace "${ns}"`)
        }),
      ),
    ))

  it("plan: what each stage would apply and prune (state-bearing marked), what holds it; exit 0/1/2/3", () =>
    run(
      Effect.gen(function* () {
        const ns = uniqueName("cli-plan")
        yield* createNamespace(ns)
        yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("a"), pvc]) })
        // No provisioner binds the claim here: do not wait for it.
        const noWait = { readyChecks: { disableWait: true } }
        yield* setStageSet(ns, "ss", [{ name: "one", source: "src", extra: noWait }])
        yield* reconcileWith("hybrid", ns, "ss")
        const clean = yield* cli(["plan", "ss", "-n", ns])
        expect(clean.stderr).toBe("")
        expect(clean.code).toBe(0)
        expect(clean.stdout).toContain(`StageSet ${ns}/ss`)
        expect(clean.stdout).toContain("nothing would change")

        yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("a", { key: "new" })]) })
        yield* cli(["suspend", "ss", "-n", ns])
        const pending = yield* cli(["plan", "ss", "-n", ns])
        expect(pending.code).toBe(1)
        expect(pending.stdout).toContain("hold: Suspended: spec.suspend is true [spec]")
        expect(pending.stdout).toMatch(/stage one \(revision sha256:[0-9a-f]{12}\)/)
        expect(pending.stdout).toContain(`~ configure ConfigMap/a -n ${ns} (data.key)`)
        expect(pending.stdout).toContain(
          `! PersistentVolumeClaim/data -n ${ns} (stage one) state-bearing: deleting it destroys its data`,
        )
        const json = yield* cli(["plan", "ss", "-n", ns, "-o", "json"])
        expect(json.code).toBe(1)
        const [plan] = JSON.parse(json.stdout).stageSets
        expect(plan.holds).toEqual([
          { reason: "Suspended", message: "spec.suspend is true", from: "spec" },
        ])
        expect(
          plan.stages[0].changes.map(
            (c: { action: string; kind: string; stateBearing: boolean }) => [
              c.action,
              c.kind,
              c.stateBearing,
            ],
          ),
        ).toEqual([
          ["configure", "ConfigMap", false],
          ["delete", "PersistentVolumeClaim", true],
        ])

        // The whole namespace: one StageSet that cannot render does not hide the other.
        yield* setStageSet(ns, "broken", [{ name: "x", source: "no-such-source" }])
        const fleet = yield* cli(["plan", "-n", ns])
        expect(fleet.code).toBe(3)
        expect(fleet.stdout).toContain(`StageSet ${ns}/broken\n  error: render failed`)
        expect(fleet.stdout).toContain(`StageSet ${ns}/ss\n  hold: Suspended`)
        expect(fleet.stderr).toContain(`could not be planned: ${ns}/broken`)

        const usage = yield* cli(["plan", "ss", "-A"])
        expect(usage.code).toBe(2)
      }),
    ))

  it("apply: the stages in order under the controller's field manager, no inventory; --wait waits", () =>
    run(
      Effect.gen(function* () {
        const ns = uniqueName("cli-apply")
        yield* createNamespace(ns)
        yield* setSource(ns, "src-one", { "a.yaml": yamlOf([configMap("a")]) })
        yield* setSource(ns, "src-two", { "b.yaml": yamlOf([configMap("b"), deployment]) })
        yield* setStageSet(ns, "ss", [
          { name: "one", source: "src-one" },
          { name: "two", source: "src-two" },
        ])
        const applied = yield* cli(["apply", "ss", "-n", ns])
        expect(applied.stderr).toBe("")
        expect(applied.code).toBe(0)
        expect(applied.stdout).toContain(`stage "one": applied 1 object(s)\n  ConfigMap/a -n ${ns}`)
        expect(applied.stdout).toContain("applied 3 object(s) across 2 stage(s)")
        const live = yield* getObject({
          apiVersion: "v1",
          kind: "ConfigMap",
          namespace: ns,
          name: "a",
        })
        expect(
          live?.metadata.managedFields?.map((f) => (f as { manager: string }).manager),
        ).toContain("stageset-controller")
        expect(yield* shardsOf(ns, "ss")).toEqual([])
        expect((yield* stageSetOf(ns, "ss"))?.status).toBeUndefined()

        // Stage one is ready at once; the Deployment of stage two never is.
        const waited = yield* cli(["apply", "ss", "-n", ns, "--wait", "--timeout", "3s"])
        expect(waited.code).toBe(3)
        expect(waited.stdout).toContain('stage "one": ready')
        expect(waited.stdout).not.toContain('stage "two": ready')
        expect(waited.stderr).toContain("stage two:")
        expect(waited.stderr).toContain("Deployment")
      }),
    ))
})
