/**
 * Builds run the real kustomize binary (so this file sits in the cluster project, which
 * may start processes): a stage renders exactly what `kustomize build` prints for the same
 * directory (overlays, bases, components, generators, patches), stage patches land as
 * Flux lands them, postBuild substitutes on top, and what may not run is refused with a
 * BuildFailed naming the file. Objects are read with the in-memory API: no server needed.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { KubeClientInMemory } from "../../../../layers/KubeClient.inMemory.ts"
import { KustomizeLive } from "../../../../layers/Kustomize.live.ts"
import { ActingClientOwn } from "../../../../layers/StageIdentity.ts"
import type { Stage } from "../../../../schemas/StageSet.ts"
import { KubeClient } from "../../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../../src/kube/KubeObject.ts"
import { buildStage } from "../../../../src/programs/buildStage.ts"
import { Kustomize } from "../../../../src/programs/Kustomize.ts"
import type { ManifestFile } from "../../../../src/render/ManifestFile.ts"
import { parseManifests } from "../../../../src/render/parseManifests.ts"
import { kustomizeBinary } from "../../fixtures/kustomize.ts"

const fixtures = fileURLToPath(new URL("../../../fixtures/kustomize/", import.meta.url))
const binary = kustomizeBinary()

/** Every file under `dir`, paths relative to it, as a source would hand them over. */
const readTree = (dir: string): ReadonlyArray<ManifestFile> => {
  const walk = (at: string): Array<string> =>
    readdirSync(at).flatMap((name) =>
      statSync(join(at, name)).isDirectory() ? walk(join(at, name)) : [join(at, name)],
    )
  return walk(dir).map((path) => ({
    path: relative(dir, path),
    content: readFileSync(path, "utf8"),
  }))
}

/** What `kustomize build` prints for a directory of the fixtures, as objects. */
const kustomizeBuild = (
  dir: string,
  ...flags: ReadonlyArray<string>
): ReadonlyArray<KubeObject> => {
  const output = execFileSync(binary, ["build", join(fixtures, dir), ...flags], {
    encoding: "utf8",
  })
  const parsed = parseManifests([{ path: dir, content: output }])
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  return parsed.right.map((r) => r.object)
}

const byId = (objects: ReadonlyArray<KubeObject>) =>
  [...objects].sort((a, b) =>
    `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`),
  )

const stage = (fields: Partial<Stage> = {}): Stage => ({
  name: "shop",
  sourceRef: { kind: "GitRepository", name: "shop" },
  prune: true,
  force: false,
  ...fields,
})

const Services = Layer.merge(
  ActingClientOwn.pipe(Layer.provideMerge(KubeClientInMemory)),
  KustomizeLive({ binary }),
)

const build = (files: ReadonlyArray<ManifestFile>, dir: string, fields: Partial<Stage> = {}) =>
  buildStage("shop", stage(fields), 0, { files, dir })

const objectsOf = (files: ReadonlyArray<ManifestFile>, dir: string, fields: Partial<Stage> = {}) =>
  Effect.map(build(files, dir, fields), (built) => byId(built.objects.map((o) => o.object)))

const tree = readTree(fixtures)

describe("kustomize builds (the real binary)", () => {
  it.effect("an overlay with a base, a component and generators renders as kustomize build", () =>
    Effect.gen(function* () {
      const ours = yield* objectsOf(tree, "overlays/prod")
      expect(ours).toEqual(byId(kustomizeBuild("overlays/prod")))
      // The generators ran: hashed names, and the reference to them rewritten.
      expect(ours.map((o) => o.metadata.name)).toContain("prod-credentials-879htmcftm")
    }).pipe(Effect.provide(Services)),
  )

  it.effect("stage patches join the kustomization's patches, as Flux appends them", () =>
    Effect.gen(function* () {
      const patches = [
        {
          patch: [
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            "  name: web",
            "spec:",
            "  template:",
            "    spec:",
            "      containers:",
            "        - name: web",
            "          resources:",
            "            limits:",
            "              memory: 256Mi",
            "",
          ].join("\n"),
        },
        {
          patch: "- op: replace\n  path: /spec/ports/0/port\n  value: 8443\n",
          target: { kind: "Service", labelSelector: "app.kubernetes.io/name=shop" },
        },
      ]
      const ours = yield* objectsOf(tree, "overlays/prod", { patches })
      // overlays/prod-patched is overlays/prod with these patches written in by hand.
      expect(ours).toEqual(byId(kustomizeBuild("overlays/prod-patched")))
      const service = ours.find((o) => o.kind === "Service")
      const ports = (service?.spec as { ports?: Array<{ port: number }> } | undefined)?.ports
      expect(ports?.[0]?.port).toBe(8443)
    }).pipe(Effect.provide(Services)),
  )

  it.effect(
    "plain manifests with a kustomization below them and stage patches render as Flux's generated kustomization",
    () =>
      Effect.gen(function* () {
        const patches = [
          {
            patch: '- op: add\n  path: /metadata/labels/patched\n  value: "yes"\n',
            target: { labelSelector: "tier=web" },
          },
        ]
        const ours = yield* objectsOf(tree, "plain", { patches })
        // plain-flux holds the kustomization Flux would generate for plain/ with these patches.
        expect(ours).toEqual(
          byId(kustomizeBuild("plain-flux", "--load-restrictor", "LoadRestrictionsNone")),
        )
        expect(ours.every((o) => o.metadata.labels?.patched === "yes")).toBe(true)
      }).pipe(Effect.provide(Services)),
  )

  it.effect("postBuild substitutes the built objects from substitute and substituteFrom", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      yield* kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } })
      yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "cluster-vars", namespace: "shop" },
        data: { REPLICAS: "5", REGION: "eu-west-1" },
      })
      yield* kube.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "cluster-secrets", namespace: "shop" },
        data: { TOKEN: Buffer.from("s3cr3t-token-value").toString("base64") },
      })
      const files = [
        { path: "app/kustomization.yaml", content: "resources: [app.yaml]\nnamespace: shop\n" },
        {
          path: "app/app.yaml",
          content: [
            "apiVersion: v1",
            "kind: ConfigMap",
            "metadata:",
            "  name: settings-${REGION}",
            "data:",
            "  replicas: '${REPLICAS}'",
            "  env: ${ENV:=dev}",
            "  token: ${TOKEN}",
            "  literal: $${KEEP}",
            "",
          ].join("\n"),
        },
      ]
      const postBuild = {
        substitute: { REGION: "eu-central-1" },
        substituteFrom: [
          { kind: "ConfigMap" as const, name: "cluster-vars", optional: false },
          { kind: "Secret" as const, name: "cluster-secrets", optional: false },
          { kind: "ConfigMap" as const, name: "absent", optional: true },
        ],
      }
      const built = yield* build(files, "app", { postBuild })
      expect(built.objects.map((o) => o.object)).toEqual([
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "settings-eu-central-1", namespace: "shop" },
          // kustomize prints '${REPLICAS}' unquoted and Flux substitutes that output, so the
          // value is read back as a number there too.
          data: { replicas: 5, env: "dev", token: "s3cr3t-token-value", literal: "${KEEP}" },
        },
      ])
      expect(built.secret).toEqual(["s3cr3t-token-value"])

      // A missing object that is not optional holds the stage until it exists.
      const missing = yield* Effect.flip(
        build(files, "app", {
          postBuild: { substituteFrom: [{ kind: "Secret", name: "nowhere", optional: false }] },
        }),
      )
      expect(missing._tag).toBe("SourceNotReady")
      expect(missing.message).toBe(
        "Secret shop/nowhere (spec.stages[0].postBuild.substituteFrom[0]) not found",
      )
      // Strict: an undefined variable fails the build; the message never shows a value.
      const undefinedVar = yield* Effect.flip(
        build(files, "app", { postBuild: { substitute: { REGION: "x", REPLICAS: "1" } } }),
      )
      expect(undefinedVar.message).toMatch(/^stage shop: .*variable TOKEN is not defined/)
    }).pipe(Effect.provide(Services)),
  )

  describe("what may not run is refused, naming the file", () => {
    const refused = (files: Record<string, string>, dir: string) =>
      build(
        Object.entries(files).map(([path, content]) => ({ path, content })),
        dir,
      ).pipe(Effect.flip, Effect.provide(Services))

    it.effect("a kustomization reaching outside the source", () =>
      Effect.gen(function* () {
        const error = yield* refused(
          { "app/kustomization.yaml": "resources:\n  - ../../../etc\n" },
          "app",
        )
        expect(error._tag).toBe("BuildFailed")
        expect(error.message).toBe(
          "stage shop: app/kustomization.yaml: resources[0] ../../../etc reaches outside the source",
        )
      }),
    )

    it.effect("a file outside the kustomization's own directory (kustomize's root-only rule)", () =>
      Effect.gen(function* () {
        const error = yield* refused(
          {
            "app/kustomization.yaml": "resources: [cm.yaml]\npatches:\n  - path: ../patch.yaml\n",
            "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n",
            "patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n",
          },
          "app",
        )
        expect(error._tag).toBe("BuildFailed")
        expect(error.message).toMatch(
          /^stage shop: kustomize build \.\/app failed: [\s\S]*security; file 'patch\.yaml' is not in or below 'app'/,
        )
      }),
    )

    it.effect("a remote resource", () =>
      Effect.gen(function* () {
        const error = yield* refused(
          { "kustomization.yaml": "resources:\n  - https://example.com/app.yaml\n" },
          "",
        )
        expect(error.message).toBe(
          "stage shop: kustomization.yaml: resources[0] https://example.com/app.yaml is remote; builds here read only the source's own files (no network)",
        )
      }),
    )

    it.effect("an exec function plugin", () =>
      Effect.gen(function* () {
        const error = yield* refused(
          {
            "kustomization.yaml": "generators: [gen.yaml]\n",
            "gen.yaml": [
              "apiVersion: example.com/v1",
              "kind: Gen",
              "metadata:",
              "  name: g",
              "  annotations:",
              "    config.kubernetes.io/function: |",
              "      exec:",
              "        path: /bin/sh",
              "",
            ].join("\n"),
          },
          "",
        )
        expect(error.message).toBe(
          "stage shop: kustomization.yaml: generators[0] gen.yaml is a KRM function (exec or container plugin), which is not supported",
        )
      }),
    )
  })

  describe("the binary runs confined", () => {
    const direct = (files: ReadonlyArray<ManifestFile>, dir: string) =>
      Effect.flatMap(Kustomize, (k) => k.build(files, dir))

    it.effect("without network, even for a remote resource past the checks", () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          direct(
            [{ path: "kustomization.yaml", content: "resources: [https://example.com/x.yaml]\n" }],
            "",
          ),
        )
        expect(error.message).toMatch(
          /^kustomize build \.\/ failed: .*(proxyconnect|connection refused)/,
        )
      }).pipe(Effect.provide(KustomizeLive({ binary }))),
    )

    // Real time: the timeout must really pass.
    it.live("a missing binary, a build that hangs and one that prints too much fail clearly", () =>
      Effect.gen(function* () {
        const files = [{ path: "kustomization.yaml", content: "resources: []\n" }]
        const missing = yield* Effect.flip(
          direct(files, "").pipe(
            Effect.provide(KustomizeLive({ binary: "/nonexistent/kustomize" })),
          ),
        )
        expect(missing.message).toBe(
          "the kustomize binary /nonexistent/kustomize was not found (set --kustomize-path)",
        )
        const scripts = mkdtempSync(join(tmpdir(), "kustomize-stand-in-"))
        const script = (name: string, body: string) => {
          const path = join(scripts, name)
          writeFileSync(path, `#!/bin/sh\n${body}\n`)
          chmodSync(path, 0o755)
          return path
        }
        const slow = yield* Effect.flip(
          direct(files, "").pipe(
            Effect.provide(
              KustomizeLive({
                binary: script("slow", "exec /bin/sleep 30"),
                timeout: "500 millis",
              }),
            ),
          ),
        )
        expect(slow.message).toBe("kustomize build ./ did not finish within 500ms")
        const chatty = yield* Effect.flip(
          direct(files, "").pipe(
            Effect.provide(
              KustomizeLive({
                binary: script("chatty", "while :; do echo 0123456789abcdef; done"),
                maxOutputBytes: 4096,
              }),
            ),
          ),
        )
        expect(chatty.message).toBe("kustomize build ./ printed more than 4096 bytes")
        // The same inputs are built once: a no-op reconcile starts no process.
        const runs = join(scripts, "runs")
        const counting = KustomizeLive({
          binary: script("counting", `echo run >> ${runs}\necho 'kind: ConfigMap'`),
        })
        const twice = Effect.zipRight(direct(files, ""), direct(files, "")).pipe(
          Effect.provide(counting),
        )
        expect(yield* twice).toBe("kind: ConfigMap\n")
        expect(readFileSync(runs, "utf8")).toBe("run\n")
      }),
    )
  })
})
