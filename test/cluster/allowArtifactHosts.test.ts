/**
 * `--allow-artifact-hosts` through the controller binary (`node src/main.ts`, as the
 * container runs it): the flag reaches the artifact fetcher, the loopback host it names
 * serves artifacts, and every other blocked address stays refused.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { beforeAll } from "vitest"
import { API_VERSION } from "../../src/inventory/Labels.ts"
import {
  applyAsUser,
  cmKey,
  configMap,
  createNamespace,
  getObject,
  uniqueName,
  yamlOf,
} from "../acceptance/harness/fixtures.ts"
import { installCrds } from "../acceptance/harness/installCrds.ts"
import { sha256, tarGz } from "../unit/layers/tarGz.ts"
import { artifactHttp } from "./fixtures/artifactHttp.ts"
import { installFluxCrds, publishArtifact } from "./fixtures/fluxCrds.ts"
import { runLive, settledReady, startController, waitHealthy } from "./process/controllerProcess.ts"

/** An ExternalArtifact at `url` and a StageSet reading it, both named `name`. */
const publish = (namespace: string, name: string, url: string, digest: string) =>
  Effect.zipRight(
    publishArtifact("ExternalArtifact", { namespace, name }, { url, digest, revision: "latest" }),
    applyAsUser({
      apiVersion: API_VERSION,
      kind: "StageSet",
      metadata: { name, namespace },
      spec: { stages: [{ name: "app", sourceRef: { kind: "ExternalArtifact", name } }] },
    }),
  )

beforeAll(() => runLive(Effect.zipRight(installCrds, installFluxCrds)), 120_000)

describe("--allow-artifact-hosts on the controller process", () => {
  it(
    "fetches from the loopback address it names and still refuses the metadata address",
    () =>
      runLive(
        Effect.gen(function* () {
          const ns = uniqueName("artifact-hosts")
          yield* createNamespace(ns)
          const http = yield* artifactHttp
          const bytes = yield* tarGz([{ name: "app.yaml", content: yamlOf([configMap("served")]) }])
          const url = http.serve(`/externalartifact/${ns}/served/artifact.tar.gz`, bytes)
          expect(url.startsWith("http://127.0.0.1:")).toBe(true)

          // Flux kinds are discovered when the process starts, so their CRDs come first.
          const proc = yield* startController(["--allow-artifact-hosts=127.0.0.1"])
          yield* waitHealthy(proc)
          expect(yield* proc.log).toContain('"allowArtifactHosts":"127.0.0.1/32"')

          yield* publish(ns, "served", url, sha256(bytes))
          yield* publish(ns, "metadata", "http://169.254.169.254/latest/a.tar.gz", sha256(bytes))

          expect(yield* settledReady(ns, "served")).toMatchObject({ status: "True" })
          expect(yield* getObject(cmKey(ns, "served"))).toBeDefined()
          const refused = yield* settledReady(ns, "metadata")
          expect(refused).toMatchObject({ status: "False", reason: "ArtifactFailed" })
          expect(refused.message).toContain(
            "artifact host 169.254.169.254 resolves to 169.254.169.254, a cloud metadata address",
          )
        }),
      ),
    180_000,
  )
})
