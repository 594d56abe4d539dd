import { Effect, Layer } from "effect"
import { AppliedCache, type AppliedState } from "../src/programs/AppliedCache.ts"

/**
 * The applied-state cache in process memory; the only implementation, used by the
 * controller and the in-memory test compositions alike. Each layer build starts empty.
 */
export const AppliedCacheMemory = Layer.sync(AppliedCache, () => {
  // namespace/stageSet -> stage -> entry id -> state
  const byStageSet = new Map<string, Map<string, ReadonlyMap<string, AppliedState>>>()
  const keyOf = (namespace: string, stageSet: string) => `${namespace}/${stageSet}`
  return AppliedCache.of({
    get: (address) =>
      Effect.sync(
        () =>
          byStageSet.get(keyOf(address.namespace, address.stageSet))?.get(address.stage) ??
          new Map<string, AppliedState>(),
      ),
    set: (address, states) =>
      Effect.sync(() => {
        const key = keyOf(address.namespace, address.stageSet)
        const stages = byStageSet.get(key) ?? new Map<string, ReadonlyMap<string, AppliedState>>()
        stages.set(address.stage, states)
        byStageSet.set(key, stages)
      }),
    forgetStageSet: (namespace, stageSet) =>
      Effect.sync(() => {
        byStageSet.delete(keyOf(namespace, stageSet))
      }),
  })
})
