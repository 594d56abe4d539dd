import { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import { Clock, Duration, Effect, Exit, Layer, Schedule, Scope, SynchronizedRef } from "effect"
import { makeInstrumentedKubeClient } from "../src/kube/instrumentedKubeClient.ts"
import type { KubeClientApi } from "../src/kube/KubeClient.ts"
import {
  type RemoteClusterKey,
  RemoteClusters,
  RemoteClusterUnusable,
} from "../src/kube/RemoteClusters.ts"
import { type ApiLimits, makeResilientKubeClient } from "../src/kube/resilientKubeClient.ts"
import { makeKubeClientLive } from "./KubeClient.live.ts"

export interface RemoteClustersLiveOptions {
  /** `--kube-api-qps/burst`: each remote cluster gets a bucket of its own with these limits. */
  readonly limits: ApiLimits
  readonly userAgent: string
  /** How long a client no run holds stays open for the next run; default 5 minutes. */
  readonly idle?: Duration.DurationInput
}

interface Entry {
  readonly key: RemoteClusterKey
  readonly client: KubeClientApi
  readonly scope: Scope.CloseableScope
  readonly holders: number
  readonly idleSince: number
  /** A newer version of its Secret is in use: close it as soon as nobody holds it. */
  readonly retired: boolean
}

const idOf = (key: RemoteClusterKey) => `${key.uid}@${key.resourceVersion}`

/** Sweeps for idle clients this often. */
const sweepEvery = Schedule.spaced(Duration.minutes(1))

/**
 * Remote clusters over HTTP: one Live client per kubeconfig Secret version (its uid and
 * resourceVersion), with its own connection pool, discovery cache, token bucket and the
 * shared retry policy. A client is shared by every run that holds it; a newer version of
 * the same Secret retires the old client (closed once no run holds it), and a client no
 * run has held for `idle` is closed by a sweep. Closing the layer closes them all.
 */
export const RemoteClustersLive = (
  options: RemoteClustersLiveOptions,
): Layer.Layer<RemoteClusters> =>
  Layer.scoped(
    RemoteClusters,
    Effect.gen(function* () {
      const idle = Duration.toMillis(Duration.decode(options.idle ?? Duration.minutes(5)))
      const entries = yield* SynchronizedRef.make(new Map<string, Entry>())
      const close = (entry: Entry) => Scope.close(entry.scope, Exit.void)

      // Closes (and forgets) the clients nobody holds that `done` says are done with.
      const closeWhere = (done: (entry: Entry) => boolean) =>
        SynchronizedRef.updateEffect(entries, (map) =>
          Effect.gen(function* () {
            const next = new Map(map)
            for (const [id, entry] of map)
              if (entry.holders === 0 && done(entry)) {
                next.delete(id)
                yield* close(entry)
              }
            return next
          }),
        )

      yield* Effect.addFinalizer(() =>
        Effect.flatMap(SynchronizedRef.get(entries), (map) =>
          Effect.forEach(map.values(), close, { discard: true }),
        ),
      )
      yield* Effect.forkScoped(
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          closeWhere((entry) => now - entry.idleSince >= idle),
        ).pipe(Effect.repeat(sweepEvery)),
      )

      const build = (kubeconfig: string, key: RemoteClusterKey) =>
        Effect.gen(function* () {
          const kc = yield* Effect.try({
            try: () => {
              const kc = new KubeConfig()
              kc.loadFromString(kubeconfig)
              return kc
            },
            // client-node's messages may quote the document: say only that it failed.
            catch: () => new RemoteClusterUnusable({ message: "the kubeconfig cannot be loaded" }),
          })
          const scope = yield* Scope.make()
          const client = yield* makeKubeClientLive({
            kubeconfig: kc,
            userAgent: options.userAgent,
          }).pipe(
            Effect.map(makeInstrumentedKubeClient),
            Effect.flatMap((raw) => makeResilientKubeClient(raw, options.limits)),
            Scope.extend(scope),
            Effect.tapError(() => Scope.close(scope, Exit.void)),
            Effect.mapError((error) => new RemoteClusterUnusable({ message: error.message })),
          )
          const now = yield* Clock.currentTimeMillis
          return { key, client, scope, holders: 0, idleSince: now, retired: false } satisfies Entry
        })

      const hold = (kubeconfig: string, key: RemoteClusterKey) =>
        SynchronizedRef.modifyEffect(entries, (map) =>
          Effect.gen(function* () {
            const found = map.get(idOf(key)) ?? (yield* build(kubeconfig, key))
            const next = new Map(map)
            for (const [id, entry] of map)
              if (entry.key.uid === key.uid && id !== idOf(key))
                next.set(id, { ...entry, retired: true })
            next.set(idOf(key), { ...found, holders: found.holders + 1, retired: false })
            return [found.client, next] as const
          }),
        )

      const release = (key: RemoteClusterKey) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          yield* SynchronizedRef.update(entries, (map) => {
            const entry = map.get(idOf(key))
            if (entry === undefined) return map
            return new Map(map).set(idOf(key), {
              ...entry,
              holders: entry.holders - 1,
              idleSince: now,
            })
          })
          yield* closeWhere((entry) => entry.retired)
        })

      return RemoteClusters.of({
        connect: (kubeconfig, key) =>
          Effect.acquireRelease(hold(kubeconfig, key), () => release(key)),
      })
    }),
  )
