/**
 * Flux sources end to end against the real API server: a source object whose
 * status carries an artifact (written through the status subresource, as
 * source-controller does), a tar.gz served over loopback HTTP, the Live
 * ArtifactFetcher, and reconcileStageSet applying what lies under `path`. A
 * hostile or broken artifact must fail the StageSet with a clear condition and
 * leave the cluster untouched: no object of the archive, no StageInventory.
 */
import { expect, layer } from "@effect/vitest"
import { Duration, Effect, Layer } from "effect"
import { AppliedCacheMemory } from "../../layers/AppliedCache.memory.ts"
import { ArtifactFetcherLive } from "../../layers/ArtifactFetcher.live.ts"
import { InventoryStoreLive } from "../../layers/InventoryStore.live.ts"
import { ReadinessKube } from "../../layers/Readiness.kube.ts"
import { RemoteClustersNone } from "../../layers/RemoteClusters.inMemory.ts"
import { StageIdentityImpersonating } from "../../layers/StageIdentity.ts"
import { allowArtifactHosts } from "../../src/artifact/AllowArtifactHosts.ts"
import { API_VERSION } from "../../src/inventory/Labels.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { KubeError } from "../../src/kube/KubeError.ts"
import { defaultReconcileConfig, ReconcileConfig } from "../../src/programs/ReconcileConfig.ts"
import { reconcileStageSet } from "../../src/programs/reconcileStageSet.ts"
import { FLUX_SOURCE_API_VERSION } from "../../src/programs/resolveSource.ts"
import { removeFinalizer } from "../../src/programs/stageSet/writeStageSet.ts"
import {
  cmKey,
  configMap,
  getObject,
  shardsOf,
  statusOf,
  yamlOf,
} from "../acceptance/harness/fixtures.ts"
import { installCrds } from "../acceptance/harness/installCrds.ts"
import { sha256, type TarEntry, tarGz } from "../unit/layers/tarGz.ts"
import { artifactHttp, gzipBomb } from "./fixtures/artifactHttp.ts"
import {
  type FluxSourceKind,
  fluxSourceKinds,
  fluxSourceSpec,
  installFluxCrds,
  publishArtifact,
} from "./fixtures/fluxCrds.ts"
import { KustomizeForTests } from "./fixtures/kustomize.ts"
import { resilientLiveKube } from "./fixtures/readiness.ts"
import { testNamespace } from "./support.ts"

const Services = Layer.mergeAll(
  InventoryStoreLive,
  AppliedCacheMemory,
  ReadinessKube({ recheckEvery: "1 second" }),
  // Generous for loopback; the timeout case below brings its own short one. The artifact
  // server listens on 127.0.0.1, which only --allow-artifact-hosts lets the fetcher dial.
  ArtifactFetcherLive({ timeout: "30 seconds", allowHosts: allowArtifactHosts("127.0.0.1") }),
  KustomizeForTests(),
  Layer.succeed(ReconcileConfig, {
    ...defaultReconcileConfig,
    defaultTimeout: Duration.seconds(30),
    deleteTimeout: Duration.seconds(30),
  }),
  Layer.effectDiscard(Effect.zipRight(installCrds, installFluxCrds)),
).pipe(
  (services) =>
    Layer.provideMerge(Layer.merge(StageIdentityImpersonating, RemoteClustersNone), services),
  Layer.provideMerge(resilientLiveKube),
)

const MiB = 1024 * 1024
const REVISION = "main@sha1:0123456789abcdef0123456789abcdef01234567"
const STAGE_SET = "flux"

/** The manifests under `deploy/app` (the stage's path), and one beside it that must stay out. */
const goodEntries: ReadonlyArray<TarEntry> = [
  { name: "deploy/app/config.yaml", content: yamlOf([configMap("app-config")]) },
  { name: "deploy/app/nested/more.yml", content: yamlOf([configMap("app-more")]) },
  { name: "deploy/other/skip.yaml", content: yamlOf([configMap("other")]) },
  { name: "README.md", content: "# not a manifest" },
]

/** What `status.artifact` says, when anything; `digest: undefined` uses the served bytes' own. */
type Artifact =
  | { readonly _tag: "None" }
  | { readonly _tag: "Serve"; readonly bytes: Uint8Array; readonly digest?: string }
  | { readonly _tag: "Hang" }
  /** A URL elsewhere, e.g. a cloud metadata address; nothing is served there. */
  | { readonly _tag: "Url"; readonly url: string }

/**
 * A source of `kind` in `namespace`, a StageSet reading `deploy/app` from it,
 * and one reconcile. The status write mimics source-controller's, Ready included.
 */
const scenario = (
  kind: FluxSourceKind,
  artifact: Artifact,
  stage: Record<string, unknown> = {},
  before: (namespace: string) => Effect.Effect<void, KubeError, KubeClient> = () => Effect.void,
) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const http = yield* artifactHttp
    const namespace = yield* testNamespace("flux")
    yield* before(namespace)
    const key = { namespace, name: "app" }
    if (artifact._tag === "None")
      yield* kube.create({
        apiVersion: FLUX_SOURCE_API_VERSION,
        kind,
        metadata: key,
        spec: fluxSourceSpec(kind),
      })
    else {
      const path = `/${kind.toLowerCase()}/${namespace}/app/artifact.tar.gz`
      yield* publishArtifact(kind, key, {
        url:
          artifact._tag === "Hang"
            ? http.hang(path)
            : artifact._tag === "Url"
              ? artifact.url
              : http.serve(path, artifact.bytes),
        revision: REVISION,
        digest:
          artifact._tag === "Serve"
            ? (artifact.digest ?? sha256(artifact.bytes))
            : sha256(Buffer.of()),
        size: artifact._tag === "Serve" ? artifact.bytes.length : 0,
      })
    }
    yield* kube.apply(
      {
        apiVersion: API_VERSION,
        kind: "StageSet",
        metadata: { name: STAGE_SET, namespace },
        spec: {
          stages: [
            { name: "app", sourceRef: { kind, name: "app" }, path: "./deploy/app", ...stage },
          ],
        },
      },
      { fieldManager: "flux-source-tests", force: true },
    )
    // Runs before the namespace goes: nothing else would drop the finalizer of a deleted StageSet.
    yield* Effect.addFinalizer(() => Effect.ignore(removeFinalizer({ namespace, name: STAGE_SET })))
    const report = yield* reconcileStageSet({ namespace, name: STAGE_SET })
    const status = yield* statusOf(namespace, STAGE_SET)
    return { namespace, report, status, http }
  })

const readyOf = (status: Effect.Effect.Success<ReturnType<typeof statusOf>>) =>
  status?.conditions?.find((c) => c.type === "Ready")

/** Nothing of the archive was applied and no inventory was recorded. */
const expectUntouched = (namespace: string) =>
  Effect.gen(function* () {
    for (const name of ["app-config", "app-more", "other"])
      expect(yield* getObject(cmKey(namespace, name))).toBeUndefined()
    expect(yield* shardsOf(namespace, STAGE_SET)).toEqual([])
  })

/** Runs a scenario that must fail with `reason`, whose condition message matches `message`. */
const expectFailure = (
  kind: FluxSourceKind,
  artifact: Artifact,
  reason: "ArtifactFailed" | "SourceNotReady",
  message: RegExp,
) =>
  Effect.gen(function* () {
    const { namespace, report, status, http } = yield* scenario(kind, artifact)
    expect(report.outcome._tag).toBe("Failed")
    const ready = readyOf(status)
    expect(ready).toMatchObject({ status: "False", reason })
    expect(ready?.message).toMatch(message)
    expect(ready?.message).toContain(`${kind} ${namespace}/app`)
    yield* expectUntouched(namespace)
    return { namespace, message: ready?.message ?? "", http }
  })

layer(Services, { excludeTestServices: true, timeout: "120 seconds" })(
  "Flux sources against a real API server",
  (it) => {
    it.scoped.each(fluxSourceKinds.map(({ kind }) => kind))(
      "%s: applies the manifests under path and turns Ready",
      (kind) =>
        Effect.gen(function* () {
          const bytes = yield* tarGz(goodEntries)
          const { namespace, report, status, http } = yield* scenario(kind, {
            _tag: "Serve",
            bytes,
          })
          expect(report.outcome).toEqual({ _tag: "Ready" })
          expect(readyOf(status)).toMatchObject({ status: "True", reason: "Succeeded" })
          expect(status?.stages).toMatchObject([
            { name: "app", phase: "Ready", appliedRevision: REVISION, entriesCount: 2 },
          ])
          const config = yield* getObject(cmKey(namespace, "app-config"))
          expect(config?.data).toEqual({ key: "app-config" })
          expect(yield* getObject(cmKey(namespace, "app-more"))).toBeDefined()
          // Outside `path`: part of the artifact, not of the stage.
          expect(yield* getObject(cmKey(namespace, "other"))).toBeUndefined()
          expect(http.requested()).toEqual([
            `/${kind.toLowerCase()}/${namespace}/app/artifact.tar.gz`,
          ])
        }),
    )

    it.scoped(
      "a kustomization under path is built by kustomize, with the stage's patches and postBuild, and applied",
      () =>
        Effect.gen(function* () {
          const bytes = yield* tarGz([
            { name: "deploy/base/kustomization.yaml", content: "resources: [greeting.yaml]\n" },
            {
              name: "deploy/base/greeting.yaml",
              content: yamlOf([
                {
                  apiVersion: "v1",
                  kind: "ConfigMap",
                  metadata: { name: "greeting" },
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: postBuild variables
                  data: { text: "${GREETING} from ${REGION}" },
                },
              ]),
            },
            {
              name: "deploy/app/kustomization.yaml",
              content: "resources: [../base]\nnamePrefix: app-\n",
            },
          ])
          const { namespace, report } = yield* scenario(
            "GitRepository",
            { _tag: "Serve", bytes },
            {
              patches: [
                {
                  patch: '- op: add\n  path: /data/patched\n  value: "yes"\n',
                  target: { kind: "ConfigMap", name: "greeting" },
                },
              ],
              postBuild: {
                substitute: { GREETING: "hello" },
                substituteFrom: [{ kind: "ConfigMap", name: "cluster-vars" }],
              },
            },
            (ns) =>
              Effect.flatMap(KubeClient, (kube) =>
                kube.create({
                  apiVersion: "v1",
                  kind: "ConfigMap",
                  metadata: { name: "cluster-vars", namespace: ns },
                  data: { REGION: "eu-central-1", GREETING: "overridden by substitute" },
                }),
              ),
          )
          expect(report.outcome).toEqual({ _tag: "Ready" })
          expect((yield* getObject(cmKey(namespace, "app-greeting")))?.data).toEqual({
            text: "hello from eu-central-1",
            patched: "yes",
          })
        }),
    )

    it.scoped("a gzip bomb stops at the 512 MiB inflated cap", () =>
      Effect.gen(function* () {
        const bytes = yield* gzipBomb(goodEntries, 513)
        // Well inside the 64 MiB download cap: only inflating reveals it.
        expect(bytes.length).toBeLessThan(2 * MiB)
        yield* expectFailure(
          "OCIRepository",
          { _tag: "Serve", bytes },
          "ArtifactFailed",
          /inflated size exceeds 512 MiB$/,
        )
      }),
    )

    it.scoped("a digest mismatch is refused before unpacking", () =>
      Effect.gen(function* () {
        const bytes = yield* tarGz(goodEntries)
        const claimed = sha256(Buffer.from("what source-controller stored"))
        yield* expectFailure(
          "GitRepository",
          { _tag: "Serve", bytes, digest: claimed },
          "ArtifactFailed",
          new RegExp(`digest mismatch: expected ${claimed}, got ${sha256(bytes)}$`),
        )
      }),
    )

    it.scoped("an absolute path in the archive is refused", () =>
      Effect.gen(function* () {
        const bytes = yield* tarGz([
          ...goodEntries,
          { name: "/etc/evil.yaml", content: yamlOf([configMap("evil")]) },
        ])
        const { namespace } = yield* expectFailure(
          "Bucket",
          { _tag: "Serve", bytes },
          "ArtifactFailed",
          /archive entry \/etc\/evil\.yaml has an absolute path$/,
        )
        expect(yield* getObject(cmKey(namespace, "evil"))).toBeUndefined()
      }),
    )

    it.scoped("a .. path in the archive is refused", () =>
      Effect.gen(function* () {
        const bytes = yield* tarGz([
          ...goodEntries,
          { name: "deploy/app/../../../evil.yaml", content: yamlOf([configMap("evil")]) },
        ])
        const { namespace } = yield* expectFailure(
          "ExternalArtifact",
          { _tag: "Serve", bytes },
          "ArtifactFailed",
          /archive entry deploy\/app\/\.\.\/\.\.\/\.\.\/evil\.yaml escapes the artifact root$/,
        )
        expect(yield* getObject(cmKey(namespace, "evil"))).toBeUndefined()
      }),
    )

    it.scoped("an entry over 16 MiB is refused", () =>
      Effect.gen(function* () {
        const bytes = yield* tarGz([
          ...goodEntries,
          { name: "deploy/app/huge.yaml", content: new Uint8Array(16 * MiB + 1) },
        ])
        yield* expectFailure(
          "GitRepository",
          { _tag: "Serve", bytes },
          "ArtifactFailed",
          /archive entry deploy\/app\/huge\.yaml exceeds 16 MiB$/,
        )
      }),
    )

    it.scoped("a source without an artifact yet is SourceNotReady", () =>
      Effect.gen(function* () {
        const { namespace, message } = yield* expectFailure(
          "GitRepository",
          { _tag: "None" },
          "SourceNotReady",
          /has no artifact yet$/,
        )
        expect(message).toBe(`GitRepository ${namespace}/app has no artifact yet`)
      }),
    )

    it.scoped("a server that never answers fails at the download timeout", () =>
      Effect.gen(function* () {
        const { namespace, http } = yield* expectFailure(
          "OCIRepository",
          { _tag: "Hang" },
          "ArtifactFailed",
          /download timed out after 2s$/,
        ).pipe(
          Effect.provide(
            ArtifactFetcherLive({
              timeout: "2 seconds",
              allowHosts: allowArtifactHosts("127.0.0.1"),
            }),
          ),
        )
        // The request reached the server: it was the answer that never came.
        expect(http.requested()).toContain(`/ocirepository/${namespace}/app/artifact.tar.gz`)
      }),
    )

    it.scoped("an artifact on 127.0.0.1 is refused without --allow-artifact-hosts", () =>
      Effect.gen(function* () {
        const bytes = yield* tarGz(goodEntries)
        const { http, message } = yield* expectFailure(
          "GitRepository",
          { _tag: "Serve", bytes },
          "ArtifactFailed",
          /artifact: artifact host 127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address \(127\.0\.0\.0\/8\); refused unless --allow-artifact-hosts names the host or the address$/,
        ).pipe(Effect.provide(ArtifactFetcherLive({ timeout: "30 seconds" })))
        // Refused before any connection: the server never saw a request.
        expect(http.requested()).toEqual([])
        expect(message).not.toContain("timed out")
      }),
    )

    it.scoped("an artifact on the cloud metadata address is refused", () =>
      Effect.gen(function* () {
        yield* expectFailure(
          "ExternalArtifact",
          { _tag: "Url", url: "http://169.254.169.254/latest/meta-data/artifact.tar.gz" },
          "ArtifactFailed",
          /artifact: artifact host 169\.254\.169\.254 resolves to 169\.254\.169\.254, a cloud metadata address/,
        )
      }),
    )
  },
)
