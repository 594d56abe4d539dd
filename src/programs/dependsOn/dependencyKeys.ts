import { Predicate } from "effect"
import type { KubeObject } from "../../kube/KubeObject.ts"

/** `namespace/name`, the key a dependency is known by in messages, the index and the walk. */
export const dependencyKey = (namespace: string, name: string): string => `${namespace}/${name}`

/**
 * The StageSets a StageSet's `spec.dependsOn` names, a namespace defaulting to its own. Read
 * from the raw object, so that one whose spec does not decode (its own reconcile says why)
 * still counts in another's cycle walk and in the controller's wake-up index.
 */
export const dependencyKeysOf = (stageSet: KubeObject): ReadonlyArray<string> => {
  const spec = Predicate.isRecord(stageSet.spec) ? stageSet.spec : {}
  const list = Array.isArray(spec.dependsOn) ? spec.dependsOn : []
  const keys = new Set<string>()
  for (const dependency of list) {
    if (!Predicate.isRecord(dependency) || typeof dependency.name !== "string") continue
    const namespace =
      typeof dependency.namespace === "string" && dependency.namespace !== ""
        ? dependency.namespace
        : (stageSet.metadata.namespace ?? "")
    keys.add(dependencyKey(namespace, dependency.name))
  }
  return [...keys]
}
