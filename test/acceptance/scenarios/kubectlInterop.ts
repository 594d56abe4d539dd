import { execFile } from "node:child_process"
import { rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { inject } from "vitest"
import { applySetId, stageApplySetId } from "../../../src/inventory/ApplySetId.ts"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { ensureBinaries } from "../../controlplane/ensureBinaries.ts"
import { forgetStageSet } from "../harness/crashCheck.ts"
import { type AcceptanceEnv, scenarioLayer } from "../harness/Env.ts"
import {
  configMap,
  createNamespace,
  reconcile,
  setSource,
  setStageSet,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the control plane's kubectl against the test cluster; never fails, reports the exit code. */
const kubectl = (args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}) =>
  Effect.flatMap(Effect.orDie(ensureBinaries()), (binDir) =>
    Effect.async<Run>((resume) => {
      const child = execFile(
        join(binDir, "kubectl"),
        [...args],
        {
          env: { ...process.env, KUBECONFIG: inject("kubeconfig"), ...extraEnv },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          resume(
            Effect.succeed({
              code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
              stdout,
              stderr,
            }),
          ),
      )
      return Effect.sync(() => child.kill("SIGTERM"))
    }),
  )

/** resourceVersion of every ConfigMap and StageInventory in the namespace. */
const versions = (ns: string) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const out: Record<string, string> = {}
    for (const kind of [
      { apiVersion: "v1", kind: "ConfigMap" },
      { apiVersion: "stages.metio.wtf/v1", kind: "StageInventory" },
    ])
      for (const o of (yield* kube.list(kind, { namespace: ns })).items)
        out[`${o.kind}/${o.metadata.name}`] = o.metadata.resourceVersion ?? ""
    return out
  })

/**
 * The modes that write ApplySet metadata; entries mode writes none, so there is nothing
 * for kubectl to read there.
 */
const APPLYSET_MODES: ReadonlyArray<InventoryMode> = ["hybrid", "applyset"]

/** S18 (live only): the real kubectl reads our ApplySets and refuses to prune them. */
export const kubectlInterop = (env: AcceptanceEnv) =>
  describe.each(APPLYSET_MODES)(`kubectl interop [${env.name}] mode=%s`, (mode) => {
    it.live(
      "S18: our id is kubectl's; kubectl lists a stage's members and refuses to prune them",
      () =>
        Effect.gen(function* () {
          // kubectl's own test vectors (semantics.md).
          expect(applySetId({ name: "my-set", namespace: "test", kind: "Secret", group: "" })).toBe(
            "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1",
          )
          expect(
            applySetId({ name: "my-set", namespace: "", kind: "ApplySet", group: "company.com" }),
          ).toBe("applyset-rhp1a-HVAVT_dFgyEygyA1BEB82HPp2o10UiFTpqtAs-v1")

          const ns = uniqueName("s18")
          yield* createNamespace(ns)
          yield* setSource(ns, "src-web", {
            "web.yaml": yamlOf([configMap("web-1"), configMap("web-2")]),
          })
          yield* setSource(ns, "src-db", { "db.yaml": yamlOf([configMap("db-1")]) })
          yield* setStageSet(ns, "ss", [
            { name: "db", source: "src-db" },
            { name: "web", source: "src-web" },
          ])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

          const id = stageApplySetId(ns, "ss", "web")
          const listed = yield* kubectl([
            "get",
            "configmaps",
            "-n",
            ns,
            "-l",
            `applyset.kubernetes.io/part-of=${id}`,
            "-o",
            "name",
          ])
          expect(listed.code, listed.stderr).toBe(0)
          expect(listed.stdout.trim().split("\n").sort()).toEqual([
            "configmap/web-1",
            "configmap/web-2",
          ])

          // kubectl apply --prune on our set: refused because another tool manages it. It
          // computed the same id for the parent (otherwise it would complain about the id label).
          const before = yield* versions(ns)
          const file = join(tmpdir(), `${ns}-kubectl.yaml`)
          yield* Effect.promise(() =>
            writeFile(
              file,
              yamlOf([
                {
                  ...configMap("web-1", { key: "changed" }),
                  metadata: { name: "web-1", namespace: ns },
                },
              ]),
            ),
          )
          const applied = yield* kubectl(
            [
              "apply",
              "--server-side",
              "--prune",
              `--applyset=stageinventories.stages.metio.wtf/ss-web-0`,
              "-n",
              ns,
              "-f",
              file,
            ],
            { KUBECTL_APPLYSET: "true" },
          ).pipe(Effect.ensuring(Effect.promise(() => rm(file, { force: true }))))
          expect(applied.code).not.toBe(0)
          expect(applied.stderr).toContain("stageset-controller")
          expect(applied.stderr).not.toContain("incorrect value for label")
          expect(yield* versions(ns)).toEqual(before)
          yield* forgetStageSet(ns, "ss")
        }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode }))),
    )
  })
