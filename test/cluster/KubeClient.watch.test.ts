import { expect, layer } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Stream } from "effect"
import { inject } from "vitest"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { WatchEvent } from "../../src/kube/KubeObject.ts"
import { compactEtcd } from "../controlplane/compactEtcd.ts"
import { LiveKubeClient, testNamespace } from "./support.ts"

const configMaps = { apiVersion: "v1", kind: "ConfigMap" }

const describeEvent = (event: WatchEvent) =>
  event.type === "BOOKMARK"
    ? "BOOKMARK"
    : `${event.type} ${event.object.metadata.name} ${JSON.stringify(event.object.data ?? {})}`

layer(LiveKubeClient, { excludeTestServices: true })("KubeClient live: watch", (it) => {
  it.scoped("streams ADDED, MODIFIED and DELETED after the list's resourceVersion", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("watch")
      yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "before", namespace: ns },
      })
      const listed = yield* kube.list(configMaps, { namespace: ns })
      const events = yield* kube
        .watch(configMaps, { namespace: ns, resourceVersion: listed.resourceVersion })
        .pipe(
          Stream.filter((e) => e.type !== "BOOKMARK"),
          Stream.take(3),
          Stream.runCollect,
          Effect.fork,
        )
      const created = yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "w", namespace: ns },
        data: { v: "1" },
      })
      yield* kube.update({ ...created, data: { v: "2" } })
      yield* kube.delete({ ...configMaps, namespace: ns, name: "w" })
      const seen = yield* Fiber.join(events).pipe(Effect.timeout(Duration.seconds(30)))
      expect(Chunk.toReadonlyArray(seen).map(describeEvent)).toEqual([
        'ADDED w {"v":"1"}',
        'MODIFIED w {"v":"2"}',
        'DELETED w {"v":"2"}',
      ])
      // "before" predates the resourceVersion, so it never shows up.
      const first = Chunk.unsafeHead(seen)
      expect(first.type === "ADDED" && first.object.kind).toBe("ConfigMap")
    }),
  )

  it.scoped("metadataOnly: the server sends each object's metadata only, typed as the kind", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("watch-meta")
      const secrets = { apiVersion: "v1", kind: "Secret" }
      yield* kube.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "listed", namespace: ns, labels: { tier: "a" } },
        stringData: { token: "listed-secret-value" },
      })
      const listed = yield* kube.list(secrets, { namespace: ns, metadataOnly: true })
      expect(listed.items.map((o) => [o.apiVersion, o.kind, o.metadata.name])).toEqual([
        ["v1", "Secret", "listed"],
      ])
      expect(Object.keys(listed.items[0]!).sort()).toEqual(["apiVersion", "kind", "metadata"])
      expect(listed.items[0]!.metadata.labels).toEqual({ tier: "a" })
      const events = yield* kube
        .watch(secrets, {
          namespace: ns,
          resourceVersion: listed.resourceVersion,
          metadataOnly: true,
        })
        .pipe(
          Stream.filter((e) => e.type !== "BOOKMARK"),
          Stream.take(2),
          Stream.runCollect,
          Effect.fork,
        )
      const created = yield* kube.create({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "watched", namespace: ns },
        stringData: { token: "watched-secret-value" },
      })
      yield* kube.update({ ...created, metadata: { ...created.metadata, labels: { v: "2" } } })
      const seen = Chunk.toReadonlyArray(
        yield* Fiber.join(events).pipe(Effect.timeout(Duration.seconds(30))),
      )
      expect(
        seen.map((e) => [
          e.type,
          e.object.apiVersion,
          e.object.kind,
          e.object.metadata.name,
          e.object.metadata.labels,
        ]),
      ).toEqual([
        ["ADDED", "v1", "Secret", "watched", undefined],
        ["MODIFIED", "v1", "Secret", "watched", { v: "2" }],
      ])
      expect(JSON.stringify([...listed.items, ...seen])).not.toMatch(/secret-value|c2VjcmV0/)
    }),
  )

  it.scoped("a label selector narrows the events", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("watch-sel")
      const listed = yield* kube.list(configMaps, { namespace: ns })
      const events = yield* kube
        .watch(configMaps, {
          namespace: ns,
          resourceVersion: listed.resourceVersion,
          labelSelector: "pick=me",
        })
        .pipe(
          Stream.filter((e) => e.type !== "BOOKMARK"),
          Stream.take(1),
          Stream.runCollect,
          Effect.fork,
        )
      yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "skip", namespace: ns },
      })
      yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "picked", namespace: ns, labels: { pick: "me" } },
      })
      const seen = yield* Fiber.join(events).pipe(Effect.timeout(Duration.seconds(30)))
      expect(Chunk.toReadonlyArray(seen).map(describeEvent)).toEqual(["ADDED picked {}"])
    }),
  )

  it.scoped("a resourceVersion the server has compacted away fails with KubeGone", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("gone")
      const podTemplates = { apiVersion: "v1", kind: "PodTemplate" }
      const etcd = inject("etcdEndpoint")
      let from = "1"
      if (etcd !== "") {
        // The local control plane serves PodTemplate watches from etcd (no watch cache):
        // write, remember the version, write more, compact; resuming from it is then impossible.
        const template = {
          ...podTemplates,
          metadata: { name: "pt", namespace: ns },
          template: { spec: { containers: [{ name: "c", image: "example" }] } },
        }
        const first = yield* kube.create(template)
        from = first.metadata.resourceVersion!
        yield* kube.update({
          ...first,
          metadata: { ...first.metadata, labels: { changed: "yes" } },
        })
        yield* kube.create({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "later", namespace: ns },
        })
        yield* Effect.promise(() => compactEtcd(etcd))
      }
      // Against another cluster, "1" is long compacted and outside any watch cache (a cluster
      // only minutes old may not have compacted yet: the API server does so every 5 minutes).
      const error = yield* kube
        .watch(podTemplates, { namespace: ns, resourceVersion: from })
        .pipe(Stream.runDrain, Effect.flip, Effect.timeout(Duration.seconds(30)))
      expect(error._tag).toBe("KubeGone")
      expect(error.message).toMatch(/too old/)
    }),
  )

  it.scoped("interrupting the stream aborts the request", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("interrupt")
      const listed = yield* kube.list(configMaps, { namespace: ns })
      const fiber = yield* kube
        .watch(configMaps, { namespace: ns, resourceVersion: listed.resourceVersion })
        .pipe(Stream.runDrain, Effect.fork)
      yield* Effect.sleep(Duration.millis(300))
      yield* Fiber.interrupt(fiber)
      // The pool still works afterwards.
      expect((yield* kube.list(configMaps, { namespace: ns })).items).toBeDefined()
    }),
  )
})
