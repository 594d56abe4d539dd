import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, Queue, Stream } from "effect"
import {
  type InMemoryDriverApi,
  makeKubeClientInMemory,
} from "../../../layers/KubeClient.inMemory.ts"
import {
  type InformerEvent,
  type InformerOptions,
  identityOnly,
  makeInformer,
  metadataOnly,
} from "../../../src/controller/Informer.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const cmKind = { apiVersion: "v1", kind: "ConfigMap" }
const cm = (namespace: string, name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data,
})
const key = (namespace: string, name: string) => ({ ...cmKind, namespace, name })

const summary = (event: InformerEvent) =>
  `${event._tag} ${event.object.metadata.namespace}/${event.object.metadata.name}`

const watching = (driver: InMemoryDriverApi, n: number) =>
  Effect.gen(function* () {
    while ((yield* driver.activeWatches) < n) yield* Effect.sleep(Duration.millis(5))
  })

/** A cluster with namespaces, and an informer over it whose events land in a queue. */
const start = (options: InformerOptions, namespaces: ReadonlyArray<string> = ["apps"]) =>
  Effect.gen(function* () {
    const { client, driver } = yield* makeKubeClientInMemory()
    const user = (object: KubeObject) =>
      client.apply(object, { fieldManager: "kubectl", force: true })
    for (const ns of namespaces)
      yield* client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } })
    const informer = yield* makeInformer(cmKind, options).pipe(
      Effect.provideService(KubeClient, client),
    )
    const seen = yield* Queue.unbounded<string>()
    const run = Stream.runForEach(informer.events, (e) => Queue.offer(seen, summary(e)))
    return { client, driver, user, informer, seen, run }
  })

/** The next `n` event summaries, waiting at most 5 s. */
const next = (seen: Queue.Queue<string>, n: number) =>
  Effect.forEach(Array.from({ length: n }), () => Queue.take(seen)).pipe(
    Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => new Error("no event") }),
  )

const noMore = (seen: Queue.Queue<string>) =>
  Effect.zipRight(Effect.sleep(Duration.millis(100)), Queue.takeAll(seen)).pipe(
    Effect.map((c) => [...c]),
  )

describe("Informer", () => {
  it.scopedLive("lists, then streams adds, updates and deletes into its cache", () =>
    Effect.gen(function* () {
      const { client, driver, user, informer, seen, run } = yield* start({ namespaces: ["apps"] })
      yield* user(cm("apps", "a", { v: "1" }))
      yield* Effect.forkScoped(run)
      yield* informer.synced
      expect(yield* next(seen, 1)).toEqual(["Added apps/a"])
      yield* watching(driver, 1)

      yield* user(cm("apps", "b"))
      yield* user(cm("apps", "a", { v: "2" }))
      yield* client.delete(key("apps", "b"))
      expect(yield* next(seen, 3)).toEqual(["Added apps/b", "Updated apps/a", "Deleted apps/b"])

      const cached = Option.getOrThrow(yield* informer.get("apps", "a"))
      expect(cached.data).toEqual({ v: "2" })
      // The server keeps managedFields; the cache does not.
      const live = Option.getOrThrow(yield* driver.getObject(key("apps", "a")))
      expect(live.metadata.managedFields?.length).toBeGreaterThan(0)
      expect(cached.metadata.managedFields).toBeUndefined()
      expect((yield* informer.list).map((o) => o.metadata.name)).toEqual(["a"])
    }),
  )

  it.scopedLive("410 Gone during a watch: re-lists and emits the adds and deletes it missed", () =>
    Effect.gen(function* () {
      const { client, driver, user, informer, seen, run } = yield* start({})
      yield* user(cm("apps", "keep"))
      yield* user(cm("apps", "doomed"))
      yield* user(cm("apps", "edited", { v: "1" }))
      yield* Effect.forkScoped(run)
      yield* informer.synced
      expect((yield* next(seen, 3)).sort()).toEqual([
        "Added apps/doomed",
        "Added apps/edited",
        "Added apps/keep",
      ])
      yield* watching(driver, 1)
      yield* driver.clearLogs
      // The watch breaks with 410 and the history is gone; what happens before the informer
      // reconnects (it backs off first) reaches it only through the re-list.
      yield* driver.expireWatchHistory
      yield* driver.closeWatches({ gone: true })
      yield* client.delete(key("apps", "doomed"))
      yield* user(cm("apps", "new"))
      yield* user(cm("apps", "edited", { v: "2" }))
      expect((yield* next(seen, 3)).sort()).toEqual([
        "Added apps/new",
        "Deleted apps/doomed",
        "Updated apps/edited",
      ])
      const lists = (yield* driver.requestLog).filter((r) => r.verb === "list")
      expect(lists.length).toBe(1)
      // Watching again: later changes arrive as usual, nothing is emitted twice.
      yield* watching(driver, 1)
      yield* user(cm("apps", "later"))
      expect(yield* next(seen, 1)).toEqual(["Added apps/later"])
      expect(yield* noMore(seen)).toEqual([])
      expect((yield* informer.list).map((o) => o.metadata.name).sort()).toEqual([
        "edited",
        "keep",
        "later",
        "new",
      ])
    }),
  )

  it.scopedLive("a watch the server ends is resumed; if its version expired, re-listed", () =>
    Effect.gen(function* () {
      const { client, driver, user, informer, seen, run } = yield* start({})
      yield* user(cm("apps", "a"))
      yield* Effect.forkScoped(run)
      yield* informer.synced
      yield* next(seen, 1)
      yield* watching(driver, 1)
      yield* driver.clearLogs

      // A clean close (the server's timeout): resumed from the last version, no re-list.
      yield* driver.closeWatches()
      yield* user(cm("apps", "b"))
      expect(yield* next(seen, 1)).toEqual(["Added apps/b"])
      expect((yield* driver.requestLog).filter((r) => r.verb === "list")).toEqual([])

      // A clean close, then the resume finds its version expired: 410 -> re-list.
      yield* watching(driver, 1)
      yield* driver.closeWatches()
      yield* client.delete(key("apps", "a"))
      yield* driver.expireWatchHistory
      expect(yield* next(seen, 1)).toEqual(["Deleted apps/a"])
      // Only the 410 of the resumed watch made it list again.
      const lists = (yield* driver.requestLog).filter((r) => r.verb === "list")
      expect(lists.length).toBe(1)
    }),
  )

  it.scopedLive(
    "one list+watch per namespace; a re-list of one leaves the others' cache alone",
    () =>
      Effect.gen(function* () {
        const { driver, user, informer, seen, run } = yield* start(
          { namespaces: ["one", "two"], transform: metadataOnly },
          ["one", "two", "other"],
        )
        yield* user(cm("one", "a", { big: "x".repeat(1000) }))
        yield* user(cm("two", "b"))
        yield* user(cm("other", "c"))
        yield* Effect.forkScoped(run)
        yield* informer.synced
        expect((yield* next(seen, 2)).sort()).toEqual(["Added one/a", "Added two/b"])
        yield* watching(driver, 2)
        // Fail the re-list of "one" once: "two" re-lists alone first.
        yield* driver.failNext(1, { verb: "list", namespace: "one" }, "503")
        yield* driver.closeWatches({ gone: true })
        yield* watching(driver, 2)
        yield* user(cm("other", "d"))
        yield* user(cm("two", "e"))
        expect(yield* next(seen, 1)).toEqual(["Added two/e"])
        expect(yield* noMore(seen)).toEqual([])
        const a = Option.getOrThrow(yield* informer.get("one", "a"))
        expect(a.data).toBeUndefined()
        expect(a.metadata.resourceVersion).toBeDefined()
        expect(Option.isNone(yield* informer.get("other", "c"))).toBe(true)
      }),
  )

  it.scopedLive("a label selector narrows the cache; an object leaving it is deleted", () =>
    Effect.gen(function* () {
      const { user, informer, seen, run, driver } = yield* start({ labelSelector: "pick" })
      const labelled = (name: string, labels: Record<string, string>) => ({
        ...cm("apps", name),
        metadata: { name, namespace: "apps", labels },
      })
      yield* user(labelled("in", { pick: "yes" }))
      yield* user(labelled("out", {}))
      yield* Effect.forkScoped(run)
      yield* informer.synced
      expect(yield* next(seen, 1)).toEqual(["Added apps/in"])
      yield* watching(driver, 1)
      yield* user(labelled("in", {}))
      expect(yield* next(seen, 1)).toEqual(["Deleted apps/in"])
      expect(yield* informer.list).toEqual([])
    }),
  )

  it("identityOnly keeps type, name, namespace and resourceVersion, nothing else", () => {
    const full: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "a",
        namespace: "apps",
        uid: "u-1",
        resourceVersion: "7",
        labels: { "applyset.kubernetes.io/part-of": "applyset-x" },
      },
      data: { big: "x".repeat(100) },
    }
    expect(identityOnly(full)).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", namespace: "apps", resourceVersion: "7" },
    })
    expect(identityOnly({ apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } })).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "n" },
    })
  })
})
