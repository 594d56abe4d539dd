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
import type { ResourceInfo } from "../../../src/kube/KubeObject.ts"
import { resolveSource, routeOf } from "../../../src/programs/resolveSource.ts"
import { sha256, tarGz } from "../layers/tarGz.ts"

const resource = (group: string, kind: string, plural: string): ResourceInfo => ({
  group,
  version: "v1",
  kind,
  plural,
  namespaced: true,
  hasStatus: true,
})

const withExternalArtifacts = Layer.mergeAll(
  KubeClientInMemoryWith({
    discovery: [
      ...defaultResources,
      resource("source.toolkit.fluxcd.io", "ExternalArtifact", "externalartifacts"),
      resource("source.toolkit.fluxcd.io", "GitRepository", "gitrepositories"),
    ],
    namespaces: ["payments", "other"],
  }),
  ArtifactFetcherInMemory(),
).pipe((cluster) => Layer.provideMerge(ActingClientOwn, cluster))

const withoutFlux = Layer.mergeAll(
  KubeClientInMemoryWith({ discovery: defaultResources, namespaces: ["payments"] }),
  ArtifactFetcherInMemory(),
).pipe((cluster) => Layer.provideMerge(ActingClientOwn, cluster))

const snippet = { apiVersion: "jaas.metio.wtf/v1", kind: "JsonnetSnippet", name: "dashboards" }

/** An ExternalArtifact in `payments` whose spec.sourceRef is `sourceRef`, with a served artifact. */
const externalArtifact = (name: string, sourceRef?: Record<string, string>) =>
  Effect.gen(function* () {
    const url = `http://source.example/externalartifact/payments/${name}.tar.gz`
    const bytes = yield* tarGz([{ name: "cm.yaml", content: `kind: ConfigMap\n# ${name}\n` }])
    yield* (yield* ArtifactServer).register(url, bytes)
    const kube = yield* KubeClient
    yield* kube.create({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "ExternalArtifact",
      metadata: { name, namespace: "payments" },
      spec: sourceRef === undefined ? {} : { sourceRef },
    })
    yield* (yield* InMemoryDriver).setStatus(
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "ExternalArtifact",
        namespace: "payments",
        name,
      },
      { artifact: { url, revision: `rev-${name}`, digest: sha256(bytes) } },
    )
  })

describe("routeOf", () => {
  it("reads ConfigMap/Secret directly, Flux source kinds of Flux's group as artifacts, any other kind as a producer", () => {
    expect(routeOf({ kind: "ConfigMap" })).toBe("data")
    expect(routeOf({ kind: "Secret" })).toBe("data")
    expect(routeOf({ kind: "ExternalArtifact" })).toBe("flux")
    expect(routeOf({ kind: "GitRepository" })).toBe("flux")
    expect(routeOf({ kind: "Bucket", apiVersion: "source.toolkit.fluxcd.io/v1beta2" })).toBe("flux")
    expect(routeOf({ kind: "GitRepository", apiVersion: "git.example.com/v1" })).toBe("producer")
    expect(routeOf({ kind: "JsonnetSnippet", apiVersion: "jaas.metio.wtf/v1" })).toBe("producer")
    expect(routeOf({ kind: "HelmChart" })).toBe("producer")
  })
})

describe("resolveSource: producers", () => {
  it.effect(
    "a sourceRef without kind (decoded as ExternalArtifact) reads that ExternalArtifact",
    () =>
      Effect.gen(function* () {
        yield* externalArtifact("my-app")
        const resolved = yield* resolveSource("payments", {
          kind: "ExternalArtifact",
          name: "my-app",
        })
        expect(resolved.revision).toBe("rev-my-app")
        expect(resolved.from).toBe("payments/my-app")
      }).pipe(Effect.provide(withExternalArtifacts)),
  )

  it.effect(
    "a producer is read through the one ExternalArtifact whose spec.sourceRef names it",
    () =>
      Effect.gen(function* () {
        yield* externalArtifact("unrelated", { ...snippet, name: "other" })
        // The producer moved to a new version of its API: the group is what counts.
        yield* externalArtifact("dashboards-artifact", {
          ...snippet,
          apiVersion: "jaas.metio.wtf/v2",
        })
        const resolved = yield* resolveSource("payments", snippet)
        expect(resolved.revision).toBe("rev-dashboards-artifact")
        // lastAttemptedRevisions is keyed by the ExternalArtifact, as the Go implementation keys it.
        expect(resolved.from).toBe("payments/dashboards-artifact")
        expect(resolved.files.map((f) => f.content)).toEqual([
          "kind: ConfigMap\n# dashboards-artifact\n",
        ])
      }).pipe(Effect.provide(withExternalArtifacts)),
  )

  it.effect("none yet is SourceNotReady; one in another group or namespace does not count", () =>
    Effect.gen(function* () {
      yield* externalArtifact("wrong-group", { ...snippet, apiVersion: "other.example/v1" })
      yield* externalArtifact("wrong-namespace", { ...snippet, namespace: "other" })
      const error = yield* Effect.flip(resolveSource("payments", snippet))
      expect(error._tag).toBe("SourceNotReady")
      expect(error.message).toBe(
        "no ExternalArtifact in namespace payments names JsonnetSnippet payments/dashboards (jaas.metio.wtf) in its spec.sourceRef (yet)",
      )
    }).pipe(Effect.provide(withExternalArtifacts)),
  )

  it.effect("several are InvalidSpec naming them: which one is meant cannot be told", () =>
    Effect.gen(function* () {
      yield* externalArtifact("a", snippet)
      yield* externalArtifact("b", snippet)
      const error = yield* Effect.flip(resolveSource("payments", snippet))
      expect(error._tag).toBe("InvalidSpec")
      expect(error.message).toBe(
        "JsonnetSnippet payments/dashboards (jaas.metio.wtf) is named by 2 ExternalArtifacts in spec.sourceRef (a, b); a producer's source must be one",
      )
    }).pipe(Effect.provide(withExternalArtifacts)),
  )

  it.effect("a GitRepository of another API group is a producer too", () =>
    Effect.gen(function* () {
      const ref = { apiVersion: "git.example.com/v1", kind: "GitRepository", name: "repo" }
      yield* externalArtifact("repo-artifact", ref)
      expect((yield* resolveSource("payments", ref)).from).toBe("payments/repo-artifact")
    }).pipe(Effect.provide(withExternalArtifacts)),
  )

  it.effect("without Flux installed, a producer is SourceNotReady saying so", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(resolveSource("payments", snippet))
      expect(error._tag).toBe("SourceNotReady")
      expect(error.message).toBe(
        "JsonnetSnippet payments/dashboards (jaas.metio.wtf) is a producer, but ExternalArtifact (source.toolkit.fluxcd.io/v1) is not served",
      )
    }).pipe(Effect.provide(withoutFlux)),
  )
})
