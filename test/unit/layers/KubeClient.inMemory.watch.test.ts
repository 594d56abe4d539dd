import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream } from "effect"
import {
  type InMemoryDriverApi,
  makeKubeClientInMemory,
} from "../../../layers/KubeClient.inMemory.ts"
import type { KubeObject, WatchEvent } from "../../../src/kube/KubeObject.ts"

const cmKind = { apiVersion: "v1", kind: "ConfigMap" }

const configMap = (
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = {},
): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "apps", labels },
  data,
})

const summary = (event: WatchEvent): string =>
  event.type === "BOOKMARK" ? "BOOKMARK" : `${event.type} ${event.object.metadata.name}`

const watching = (driver: InMemoryDriverApi, n: number) =>
  Effect.gen(function* () {
    while ((yield* driver.activeWatches) < n) yield* Effect.yieldNow()
  })

const setup = Effect.gen(function* () {
  const cluster = yield* makeKubeClientInMemory()
  yield* cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } })
  return cluster
})

describe("in-memory KubeClient: watch", () => {
  it.effect(
    "metadataOnly: a list and a watch carry each object's type and metadata, not its data",
    () =>
      Effect.gen(function* () {
        const { client, driver } = yield* setup
        yield* client.create(configMap("listed", { tier: "a" }, { secret: "listed-data" }))
        const listed = yield* client.list(cmKind, { namespace: "apps", metadataOnly: true })
        expect(listed.items).toEqual([
          expect.objectContaining({ apiVersion: "v1", kind: "ConfigMap" }),
        ])
        expect(Object.keys(listed.items[0]!).sort()).toEqual(["apiVersion", "kind", "metadata"])
        expect(listed.items[0]!.metadata).toMatchObject({ name: "listed", labels: { tier: "a" } })
        expect(listed.items[0]!.metadata.uid).toEqual(expect.any(String))
        const fiber = yield* client
          .watch(cmKind, {
            namespace: "apps",
            resourceVersion: listed.resourceVersion,
            metadataOnly: true,
          })
          .pipe(Stream.take(1), Stream.runCollect, Effect.fork)
        yield* watching(driver, 1)
        yield* client.create(configMap("watched", {}, { secret: "watched-data" }))
        const [event] = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
        expect(event?.type).toBe("ADDED")
        if (event?.type !== "ADDED") return
        expect(event.object).toEqual({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: expect.objectContaining({ name: "watched", namespace: "apps" }),
        })
        expect(JSON.stringify(event.object)).not.toContain("watched-data")
        // Without the option a list carries whole objects.
        const whole = yield* client.list(cmKind, { namespace: "apps" })
        expect(whole.items.map((o) => o.data)).toEqual([
          { secret: "listed-data" },
          { secret: "watched-data" },
        ])
      }),
  )

  it.effect("replays history after the resourceVersion, then streams live events", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      yield* client.create(configMap("before"))
      const listed = yield* client.list(cmKind, { namespace: "apps" })
      yield* client.create(configMap("a"))
      yield* client.create({ ...configMap("other"), apiVersion: "v1", kind: "Secret" })
      const fiber = yield* client
        .watch(cmKind, { namespace: "apps", resourceVersion: listed.resourceVersion })
        .pipe(Stream.take(4), Stream.runCollect, Effect.fork)
      yield* watching(driver, 1)
      const a = yield* client.get({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: "apps",
        name: "a",
      })
      yield* client.update({ ...a, data: { k: "v" } })
      yield* client.create(configMap("b"))
      yield* client.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "apps", name: "a" })
      const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(events.map(summary)).toEqual(["ADDED a", "MODIFIED a", "ADDED b", "DELETED a"])
      const rvs = events.map((e) =>
        e.type === "BOOKMARK" ? 0 : Number(e.object.metadata.resourceVersion),
      )
      expect([...rvs].sort((x, y) => x - y)).toEqual(rvs)
    }),
  )

  it.effect("resourceVersion 0 starts with ADDED for every existing object", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      yield* client.create(configMap("x"))
      yield* client.create(configMap("y"))
      const events = yield* client
        .watch(cmKind, { resourceVersion: "0" })
        .pipe(Stream.take(2), Stream.runCollect)
      expect(Chunk.toReadonlyArray(events).map(summary)).toEqual(["ADDED x", "ADDED y"])
    }),
  )

  it.effect("label selectors turn transitions into ADDED and DELETED", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      const start = (yield* client.list(cmKind)).resourceVersion
      const c = yield* client.create(configMap("c", { tier: "db" }))
      const web = yield* client.update({
        ...c,
        metadata: { ...c.metadata, labels: { tier: "web" } },
      })
      const web2 = yield* client.update({ ...web, data: { k: "v" } })
      yield* client.update({ ...web2, metadata: { ...web2.metadata, labels: { tier: "db" } } })
      const events = yield* client
        .watch(cmKind, { labelSelector: "tier=web", resourceVersion: start })
        .pipe(Stream.take(3), Stream.runCollect)
      expect(Chunk.toReadonlyArray(events).map(summary)).toEqual([
        "ADDED c",
        "MODIFIED c",
        "DELETED c",
      ])
    }),
  )

  it.effect("a resourceVersion older than the retained history fails with 410 Gone", () =>
    Effect.gen(function* () {
      const { client: small } = yield* makeKubeClientInMemory({ watchHistorySize: 3 }).pipe(
        Effect.tap(({ client }) =>
          client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }),
        ),
      )
      const start = (yield* small.list(cmKind)).resourceVersion
      for (const name of ["a", "b", "c", "d"]) yield* small.create(configMap(name))
      const error = yield* Effect.flip(
        small.watch(cmKind, { resourceVersion: start }).pipe(Stream.runCollect),
      )
      expect(error._tag).toBe("KubeGone")
      expect(error.message).toMatch(/^too old resource version: \d+ \(\d+\)$/)
    }),
  )

  it.effect("the driver can expire the history and close open watches", () =>
    Effect.gen(function* () {
      const { client, driver } = yield* setup
      const start = (yield* client.list(cmKind)).resourceVersion
      yield* client.create(configMap("a"))
      yield* driver.expireWatchHistory
      const gone = yield* Effect.flip(
        client.watch(cmKind, { resourceVersion: start }).pipe(Stream.runCollect),
      )
      expect(gone._tag).toBe("KubeGone")
      const current = (yield* client.list(cmKind)).resourceVersion
      const open = yield* client
        .watch(cmKind, { resourceVersion: current })
        .pipe(Stream.runCollect, Effect.fork)
      yield* watching(driver, 1)
      yield* client.create(configMap("b"))
      yield* driver.closeWatches()
      expect(Chunk.toReadonlyArray(yield* Fiber.join(open)).map(summary)).toEqual(["ADDED b"])
      expect(yield* driver.activeWatches).toBe(0)
      const failing = yield* client
        .watch(cmKind, { resourceVersion: current })
        .pipe(Stream.runCollect, Effect.fork)
      yield* watching(driver, 1)
      yield* driver.closeWatches({ gone: true })
      const closed = yield* Effect.flip(Fiber.join(failing))
      expect(closed._tag).toBe("KubeGone")
    }),
  )

  it.effect("namespace cascade deletions reach watchers", () =>
    Effect.gen(function* () {
      const { client } = yield* setup
      yield* client.create(configMap("a"))
      const start = (yield* client.list(cmKind)).resourceVersion
      yield* client.delete({ apiVersion: "v1", kind: "Namespace", name: "apps" })
      const events = yield* client
        .watch(cmKind, { resourceVersion: start })
        .pipe(Stream.take(1), Stream.runCollect)
      expect(Chunk.toReadonlyArray(events).map(summary)).toEqual(["DELETED a"])
    }),
  )
})
