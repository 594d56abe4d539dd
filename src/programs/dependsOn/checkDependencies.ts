import { Effect } from "effect"
import { KubeClient } from "../../kube/KubeClient.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { DependencyCycle, DependencyNotReady } from "../errors/dependencyErrors.ts"
import { InvalidSpec } from "../errors/InvalidSpec.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { StageSetView } from "../StageSetView.ts"
import { stageSetKey } from "../stageSet/StageSetKey.ts"
import { parseVersion } from "../version/semanticVersion.ts"
import { dependencyCycle } from "./dependencyCycle.ts"
import { type Dependency, dependencyHold } from "./dependencyHold.ts"
import { dependencyKey, dependencyKeysOf } from "./dependencyKeys.ts"

/**
 * `spec.dependsOn` resolved: namespaces defaulted, every `minVersion` a version, and under
 * `--no-cross-namespace-refs` none in another namespace (the flag's meaning in the Go
 * implementation: it denies cross-namespace sourceRef and dependsOn alike).
 */
const dependenciesOf = (view: StageSetView, noCrossNamespaceRefs: boolean) =>
  Effect.forEach(view.dependsOn ?? [], (entry, i) => {
    const namespace = entry.namespace ?? view.namespace
    const key = dependencyKey(namespace, entry.name)
    if (noCrossNamespaceRefs && namespace !== view.namespace)
      return Effect.fail(
        new InvalidSpec({
          message: `spec.dependsOn[${i}].namespace: ${namespace} is not the StageSet's namespace ${view.namespace}, and --no-cross-namespace-refs is set`,
        }),
      )
    if (entry.minVersion === undefined) return Effect.succeed<Dependency>({ key })
    const version = parseVersion(entry.minVersion)
    return version === undefined
      ? Effect.fail(
          new InvalidSpec({
            message: `spec.dependsOn[${i}].minVersion: "${entry.minVersion}" (dependency ${key}) is not a semantic version`,
          }),
        )
      : Effect.succeed<Dependency>({ key, minVersion: { text: entry.minVersion, version } })
  })

/**
 * Holds the StageSet until every `spec.dependsOn` StageSet is Ready about its current
 * generation and at its `minVersion` (dependencyHold): DependencyNotReady names the first
 * one that is not. A path through `dependsOn` back to this StageSet, in any namespace, is
 * a DependencyCycle, which no waiting can resolve. The StageSets are read with the
 * controller's own identity, as everything that decides between StageSets is (semantics.md
 * section 9); only their readiness and version, never their content.
 */
export const checkDependencies = Effect.fn("checkDependencies")(function* (view: StageSetView) {
  const config = yield* ReconcileConfig
  const dependencies = yield* dependenciesOf(view, config.noCrossNamespaceRefs)
  if (dependencies.length === 0) return
  const kube = yield* KubeClient
  const self = dependencyKey(view.namespace, view.name)
  const read = (key: string) => {
    const slash = key.indexOf("/")
    return kube
      .get(stageSetKey({ namespace: key.slice(0, slash), name: key.slice(slash + 1) }))
      .pipe(
        Effect.map((o): KubeObject | undefined => o),
        Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
      )
  }
  // Every StageSet reachable through dependsOn, read once, breadth-first: the walk ends at
  // missing ones and at ones already read, so it is bounded by the StageSets that exist.
  const found = new Map<string, KubeObject | undefined>()
  const edges = new Map<string, ReadonlyArray<string>>([[self, dependencies.map((d) => d.key)]])
  let frontier = [...new Set(dependencies.map((d) => d.key))].filter((k) => k !== self)
  while (frontier.length > 0) {
    const objects = yield* Effect.forEach(frontier, read, { concurrency: 4 })
    const next = new Set<string>()
    frontier.forEach((key, i) => {
      const object = objects[i]
      found.set(key, object)
      if (object === undefined) return
      const keys = dependencyKeysOf(object)
      edges.set(key, keys)
      for (const k of keys) if (k !== self && !found.has(k)) next.add(k)
    })
    frontier = [...next].filter((k) => !found.has(k))
  }
  const cycle = dependencyCycle(self, (key) => edges.get(key))
  if (cycle !== undefined) return yield* new DependencyCycle({ cycle })
  for (const dependency of dependencies) {
    const why = dependencyHold(dependency, found.get(dependency.key))
    if (why !== undefined) return yield* new DependencyNotReady({ message: why })
  }
})
