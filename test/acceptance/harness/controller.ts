import { Effect, Layer } from "effect"
import { KubeClient, type KubeClientApi } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"
import { type ScenarioOptions, type ScenarioServices, scenarioLayer } from "./Env.ts"
import type { RecordedWrite } from "./Recorder.ts"

/**
 * One controller process over `cluster`: its own services (recorder, token bucket, flags),
 * the cluster's state shared with every other process built over the same layer. Running
 * a second one with new options is a restart with changed flags.
 */
export const controller =
  (cluster: Layer.Layer<KubeClient>, options: ScenarioOptions) =>
  <A, E>(body: Effect.Effect<A, E, ScenarioServices>): Effect.Effect<A, E> =>
    Effect.provide(body, scenarioLayer(cluster, options))

export interface ClusterHooks {
  /** Runs right before each delete request reaches the cluster; `kube` is the cluster itself. */
  readonly beforeDelete?: (key: ObjectKey, kube: KubeClientApi) => Effect.Effect<void>
  /** Sees every object the cluster returns from an apply (its state right after the write). */
  readonly afterApply?: (live: KubeObject) => Effect.Effect<void>
}

/**
 * The cluster seen through hooks on its writes, so a scenario can check a property at
 * every single write, not only between reconciles. The hooks read the cluster themselves.
 */
export const hookedCluster = (
  cluster: Layer.Layer<KubeClient>,
  hooks: ClusterHooks,
): Layer.Layer<KubeClient> =>
  Layer.effect(
    KubeClient,
    Effect.map(KubeClient, (inner): KubeClientApi => {
      const wrap = (client: KubeClientApi): KubeClientApi => ({
        ...client,
        apply: (object, options) =>
          client
            .apply(object, options)
            .pipe(
              Effect.tap((live) =>
                options.dryRun === true || hooks.afterApply === undefined
                  ? Effect.void
                  : hooks.afterApply(live),
              ),
            ),
        delete: (key, options) =>
          Effect.zipRight(
            hooks.beforeDelete?.(key, inner) ?? Effect.void,
            client.delete(key, options),
          ),
        impersonate: (username) => wrap(client.impersonate(username)),
      })
      return wrap(inner)
    }),
  ).pipe(Layer.provide(cluster))

/** A Deployment that never becomes ready: no controller ever writes its status. */
export const stuckDeployment = (name: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "main", image: "registry.invalid/never:1" }] },
    },
  },
})

export const sameKey = (a: ObjectKey, b: ObjectKey): boolean =>
  a.kind === b.kind &&
  a.name === b.name &&
  (a.namespace ?? "") === (b.namespace ?? "") &&
  a.apiVersion.split("/").slice(0, -1).join("/") === b.apiVersion.split("/").slice(0, -1).join("/")

/** The recorded writes that touched `key`. */
export const writesTo = (writes: ReadonlyArray<RecordedWrite>, key: ObjectKey) =>
  writes.filter((w) => sameKey(w.key, key))

/** The live object's uid, or undefined when it does not exist. */
export const uidOf = (key: ObjectKey) =>
  Effect.flatMap(KubeClient, (kube) =>
    kube.get(key).pipe(
      Effect.map((o): string | undefined => o.metadata.uid),
      Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
    ),
  )
