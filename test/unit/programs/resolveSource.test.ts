import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import {
  ArtifactFetcherInMemory,
  ArtifactServer,
} from "../../../layers/ArtifactFetcher.inMemory.ts"
import { defaultResources } from "../../../layers/inmemory/defaultResources.ts"
import { InMemoryDriver, KubeClientInMemoryWith } from "../../../layers/KubeClient.inMemory.ts"
import { ActingClientOwn } from "../../../layers/StageIdentity.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey, ResourceInfo } from "../../../src/kube/KubeObject.ts"
import { resolveSource } from "../../../src/programs/resolveSource.ts"
import { contentRevision } from "../../../src/render/revision.ts"
import { sha256, type TarEntry, tarGz } from "../layers/tarGz.ts"

const flux = (kind: string, plural: string): ResourceInfo => ({
  group: "source.toolkit.fluxcd.io",
  version: "v1",
  kind,
  plural,
  namespaced: true,
  hasStatus: true,
})

const TestLayer = Layer.mergeAll(
  KubeClientInMemoryWith({
    discovery: [
      ...defaultResources,
      flux("GitRepository", "gitrepositories"),
      flux("OCIRepository", "ocirepositories"),
      flux("Bucket", "buckets"),
      flux("ExternalArtifact", "externalartifacts"),
    ],
    namespaces: ["default", "payments", "shared"],
  }),
  ArtifactFetcherInMemory(),
).pipe((cluster) => Layer.provideMerge(ActingClientOwn, cluster))

const create = (object: KubeObject) => Effect.flatMap(KubeClient, (kube) => kube.create(object))

const configMap = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data,
})

const fluxSource = (kind: string, name: string): KubeObject => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind,
  metadata: { name, namespace: "payments" },
  spec: { interval: "1m" },
})

const keyOf = (kind: string, name: string): ObjectKey => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind,
  namespace: "payments",
  name,
})

const ARTIFACT_URL =
  "http://source-controller.flux-system.svc/gitrepository/payments/app/abc.tar.gz"

/** A GitRepository whose artifact (a real tar.gz of `entries`) is served by the InMemory fetcher. */
const gitRepositoryWith = (
  entries: ReadonlyArray<TarEntry>,
  artifact: (bytes: Buffer) => Record<string, unknown> = (bytes) => ({
    url: ARTIFACT_URL,
    revision: "main@sha1:0123456789abcdef0123456789abcdef01234567",
    digest: sha256(bytes),
  }),
) =>
  Effect.gen(function* () {
    const bytes = yield* tarGz(entries)
    yield* (yield* ArtifactServer).register(ARTIFACT_URL, bytes)
    yield* create(fluxSource("GitRepository", "app"))
    yield* (yield* InMemoryDriver).setStatus(keyOf("GitRepository", "app"), {
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "Succeeded",
          message: "stored artifact",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
      artifact: artifact(bytes),
    })
    return bytes
  })

const manifests: ReadonlyArray<TarEntry> = [
  { name: "deploy/prod/b.yaml", content: "kind: B\n" },
  { name: "deploy/prod/nested/a.json", content: "{}" },
  { name: "deploy/prod/notes.txt", content: "ignored" },
  { name: "deploy/dev/c.yaml", content: "kind: C\n" },
]

describe("resolveSource: ConfigMap and Secret", () => {
  it.effect(
    "reads the manifest keys of a ConfigMap in the StageSet's namespace, in key order",
    () =>
      Effect.gen(function* () {
        yield* create(
          configMap("payments", "infra-manifests", {
            "z.yaml": "kind: Z\n",
            "a.yml": "kind: A\n",
            "README.md": "docs",
          }),
        )
        const resolved = yield* resolveSource("payments", {
          kind: "ConfigMap",
          name: "infra-manifests",
        })
        expect(resolved.files).toEqual([
          { path: "a.yml", content: "kind: A\n" },
          { path: "z.yaml", content: "kind: Z\n" },
        ])
        expect(resolved.revision).toBe(contentRevision(resolved.files))
      }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("honours sourceRef.namespace", () =>
    Effect.gen(function* () {
      yield* create(configMap("shared", "common", { "a.yaml": "kind: A\n" }))
      const resolved = yield* resolveSource("payments", {
        kind: "ConfigMap",
        name: "common",
        namespace: "shared",
      })
      expect(resolved.files.map((f) => f.path)).toEqual(["a.yaml"])
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("a missing ConfigMap is SourceNotReady", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        resolveSource("payments", { kind: "ConfigMap", name: "infra-manifests" }),
      )
      expect(error._tag).toBe("SourceNotReady")
      expect(error.message).toBe("ConfigMap payments/infra-manifests not found")
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("decodes a Secret's base64 data", () =>
    Effect.gen(function* () {
      yield* create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "sealed", namespace: "payments" },
        data: {
          "app.yaml": Buffer.from("kind: App\n").toString("base64"),
          "tls.key": Buffer.from("secret").toString("base64"),
        },
      })
      const resolved = yield* resolveSource("payments", { kind: "Secret", name: "sealed" })
      expect(resolved.files).toEqual([{ path: "app.yaml", content: "kind: App\n" }])
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("the revision changes with the content and only with it", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const created = yield* create(configMap("payments", "m", { "a.yaml": "kind: A\n" }))
      const first = yield* resolveSource("payments", { kind: "ConfigMap", name: "m" })
      yield* kube.update({ ...created, metadata: { ...created.metadata, labels: { x: "y" } } })
      const relabelled = yield* resolveSource("payments", { kind: "ConfigMap", name: "m" })
      expect(relabelled.revision).toBe(first.revision)
      const current = yield* kube.get({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "payments",
        name: "m",
      })
      yield* kube.update({ ...current, data: { "a.yaml": "kind: A2\n" } })
      const changed = yield* resolveSource("payments", { kind: "ConfigMap", name: "m" })
      expect(changed.revision).not.toBe(first.revision)
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("other API errors surface as they are", () =>
    Effect.gen(function* () {
      yield* (yield* InMemoryDriver).failNext(1, { verb: "get", kind: "ConfigMap" }, "500")
      const error = yield* Effect.flip(resolveSource("payments", { kind: "ConfigMap", name: "x" }))
      expect(error._tag).toBe("KubeTransport")
    }).pipe(Effect.provide(TestLayer)),
  )
})

describe("resolveSource: Flux sources", () => {
  it.effect("downloads the artifact, verifies it and takes the manifests under path", () =>
    Effect.gen(function* () {
      yield* gitRepositoryWith(manifests)
      const resolved = yield* resolveSource(
        "payments",
        { kind: "GitRepository", name: "app" },
        "./deploy/prod",
      )
      expect(resolved.files).toEqual([
        { path: "deploy/prod/b.yaml", content: "kind: B\n" },
        { path: "deploy/prod/nested/a.json", content: "{}" },
      ])
      expect(resolved.revision).toBe("main@sha1:0123456789abcdef0123456789abcdef01234567")
      expect(yield* (yield* ArtifactServer).fetched).toEqual([ARTIFACT_URL])
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("takes the whole artifact without a path; falls back to the digest as revision", () =>
    Effect.gen(function* () {
      const bytes = yield* gitRepositoryWith(manifests, (bytes) => ({
        url: ARTIFACT_URL,
        digest: sha256(bytes),
      }))
      const resolved = yield* resolveSource("payments", { kind: "GitRepository", name: "app" })
      expect(resolved.files.map((f) => f.path)).toEqual([
        "deploy/dev/c.yaml",
        "deploy/prod/b.yaml",
        "deploy/prod/nested/a.json",
      ])
      expect(resolved.revision).toBe(sha256(bytes))
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("a missing source, one without an artifact and one not Ready are SourceNotReady", () =>
    Effect.gen(function* () {
      const missing = yield* Effect.flip(
        resolveSource("payments", { kind: "OCIRepository", name: "app" }),
      )
      expect(missing._tag).toBe("SourceNotReady")
      expect(missing.message).toBe("OCIRepository payments/app not found")

      yield* create(fluxSource("Bucket", "new"))
      const noArtifact = yield* Effect.flip(
        resolveSource("payments", { kind: "Bucket", name: "new" }),
      )
      expect(noArtifact.message).toBe("Bucket payments/new has no artifact yet")

      yield* create(fluxSource("ExternalArtifact", "broken"))
      yield* (yield* InMemoryDriver).setStatus(keyOf("ExternalArtifact", "broken"), {
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "FetchFailed",
            message: "upstream unreachable",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
        ],
        artifact: { url: ARTIFACT_URL, revision: "v1", digest: "sha256:00" },
      })
      const notReady = yield* Effect.flip(
        resolveSource("payments", { kind: "ExternalArtifact", name: "broken" }),
      )
      expect(notReady._tag).toBe("SourceNotReady")
      expect(notReady.message).toBe(
        "ExternalArtifact payments/broken is not ready: FetchFailed: upstream unreachable",
      )
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("a digest mismatch is ArtifactFailed naming the source", () =>
    Effect.gen(function* () {
      yield* gitRepositoryWith(manifests, () => ({
        url: ARTIFACT_URL,
        revision: "main@sha1:abc",
        digest: sha256(Buffer.from("another archive")),
      }))
      const error = yield* Effect.flip(
        resolveSource("payments", { kind: "GitRepository", name: "app" }),
      )
      expect(error._tag).toBe("ArtifactFailed")
      expect(error.message).toMatch(
        /^GitRepository payments\/app artifact: digest mismatch: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}$/,
      )
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("hands a kustomization under path over with the whole artifact, for kustomize", () =>
    Effect.gen(function* () {
      yield* gitRepositoryWith([
        ...manifests,
        { name: "deploy/prod/kustomization.yaml", content: "resources: [b.yaml]\n" },
      ])
      const resolved = yield* resolveSource(
        "payments",
        { kind: "GitRepository", name: "app" },
        "deploy/prod",
      )
      expect(resolved.dir).toBe("deploy/prod")
      expect(resolved.files.map((f) => f.path)).toContain("deploy/dev/c.yaml")
      expect(resolved.files.map((f) => f.path)).toContain("deploy/prod/kustomization.yaml")
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("a path that is not in the artifact is BuildFailed, not an empty render", () =>
    Effect.gen(function* () {
      yield* gitRepositoryWith(manifests)
      const error = yield* Effect.flip(
        resolveSource("payments", { kind: "GitRepository", name: "app" }, "./deploy/staging"),
      )
      expect(error._tag).toBe("BuildFailed")
      expect(error.message).toMatch(/path \.\/deploy\/staging does not exist in the artifact/)
    }).pipe(Effect.provide(TestLayer)),
  )

  it.effect("another kind is a producer: SourceNotReady while no ExternalArtifact names it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(resolveSource("payments", { kind: "HelmChart", name: "x" }))
      expect(error._tag).toBe("SourceNotReady")
      expect(error.message).toBe(
        "no ExternalArtifact in namespace payments names HelmChart payments/x (source.toolkit.fluxcd.io) in its spec.sourceRef (yet)",
      )
    }).pipe(Effect.provide(TestLayer)),
  )
})
