import { expect, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Queue, Ref, Stream } from "effect"
import { inject } from "vitest"
import { type InformerEvent, makeInformer } from "../../src/controller/Informer.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectList } from "../../src/kube/KubeObject.ts"
import { compactEtcd } from "../controlplane/compactEtcd.ts"
import { eventually, LiveKubeClient, testNamespace } from "./support.ts"

const summary = (event: InformerEvent) => `${event._tag} ${event.object.metadata.name}`

/** The next `n` event summaries, waiting at most 30 s. */
const next = (seen: Queue.Queue<string>, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => Queue.take(seen)).pipe(
    Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("no event") }),
  )

const podTemplate = (namespace: string, name: string, image = "example"): KubeObject => ({
  apiVersion: "v1",
  kind: "PodTemplate",
  metadata: { name, namespace },
  template: { spec: { containers: [{ name: "c", image }] } },
})

layer(LiveKubeClient, { excludeTestServices: true })("Informer against a real API server", (it) => {
  it.scoped("sees adds, updates and deletes, with managedFields stripped", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("informer")
      const key = { apiVersion: "v1", kind: "ConfigMap", namespace: ns }
      yield* kube.create({ ...key, metadata: { name: "before", namespace: ns }, data: { v: "1" } })
      const informer = yield* makeInformer(
        { apiVersion: "v1", kind: "ConfigMap" },
        { namespaces: [ns] },
      )
      const seen = yield* Queue.unbounded<string>()
      yield* Effect.forkScoped(
        Stream.runForEach(informer.events, (e) => Queue.offer(seen, summary(e))),
      )
      yield* informer.synced
      // Every namespace gets a kube-root-ca.crt ConfigMap from the controller manager (if one runs).
      const initial = (yield* informer.list).map((o) => o.metadata.name)
      expect(initial).toContain("before")
      yield* next(seen, initial.length)

      const created = yield* kube.create({
        ...key,
        metadata: { name: "w", namespace: ns },
        data: { v: "1" },
      })
      yield* kube.update({ ...created, data: { v: "2" } })
      yield* kube.delete({ ...key, name: "before" })
      const events = (yield* next(seen, 3)).filter((e) => !e.includes("kube-root-ca.crt"))
      expect(events).toEqual(["Added w", "Updated w", "Deleted before"])
      const cached = Option.getOrThrow(yield* informer.get(ns, "w"))
      expect(cached.data).toEqual({ v: "2" })
      expect(cached.metadata.managedFields).toBeUndefined()
      const live = yield* kube.get({ ...key, name: "w" })
      expect(live.metadata.managedFields?.length).toBeGreaterThan(0)
    }),
  )

  it.scoped("a watch from a compacted resourceVersion (410) re-lists and misses nothing", () =>
    Effect.gen(function* () {
      const kube = yield* KubeClient
      const ns = yield* testNamespace("informer-gone")
      const kind = { apiVersion: "v1", kind: "PodTemplate" }
      yield* kube.create(podTemplate(ns, "doomed"))
      yield* kube.create(podTemplate(ns, "edited"))
      // A list taken now, handed to the informer only after the cluster moved on and etcd
      // compacted its history: its watch then starts from a version the server cannot serve.
      const stale = yield* kube.list(kind, { namespace: ns })
      yield* kube.delete({ ...kind, namespace: ns, name: "doomed" })
      yield* kube.create(podTemplate(ns, "added"))
      const edited = yield* kube.get({ ...kind, namespace: ns, name: "edited" })
      yield* kube.update({
        ...edited,
        metadata: { ...edited.metadata, labels: { changed: "yes" } },
      })
      const etcd = inject("etcdEndpoint")
      // PodTemplate watches are served from etcd on the local control plane (no watch cache).
      // Against another cluster, "1" is long compacted (see KubeClient.watch.test.ts).
      const staleList: ObjectList =
        etcd === ""
          ? { ...stale, resourceVersion: "1" }
          : yield* Effect.as(
              Effect.promise(() => compactEtcd(etcd)),
              stale,
            )
      const served = yield* Ref.make(false)
      const staleFirst = Layer.effect(
        KubeClient,
        Effect.succeed({
          ...kube,
          list: (k, options) =>
            Effect.flatMap(Ref.getAndSet(served, true), (done) =>
              done ? kube.list(k, options) : Effect.succeed(staleList),
            ),
        }),
      )
      const informer = yield* makeInformer(kind, { namespaces: [ns] }).pipe(
        Effect.provide(staleFirst),
      )
      const seen = yield* Queue.unbounded<string>()
      yield* Effect.forkScoped(
        Stream.runForEach(informer.events, (e) => Queue.offer(seen, summary(e))),
      )
      // The stale list, then the re-list's diff after the watch's 410.
      expect((yield* next(seen, 2)).sort()).toEqual(["Added doomed", "Added edited"])
      expect((yield* next(seen, 3)).sort()).toEqual([
        "Added added",
        "Deleted doomed",
        "Updated edited",
      ])
      // And it watches on from the fresh list.
      yield* kube.create(podTemplate(ns, "later"))
      expect(yield* next(seen, 1)).toEqual(["Added later"])
      const names = yield* eventually(
        Effect.map(informer.list, (all) => all.map((o) => o.metadata.name).sort()),
        Duration.seconds(5),
      )
      expect(names).toEqual(["added", "edited", "later"])
    }),
  )
})
