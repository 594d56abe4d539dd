import { Duration, Effect } from "effect"
import { API_VERSION, STAGE_SET_KIND } from "../../src/inventory/Labels.ts"
import type { KubeClientApi } from "../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"

interface Condition {
  readonly type: string
  readonly status: string
  readonly reason?: string
  readonly message?: string
  readonly observedGeneration?: number
}

/** Ready=True for the StageSet's current generation. */
export const isReady = (object: KubeObject): boolean => {
  const conditions =
    (object.status as { conditions?: ReadonlyArray<Condition> } | undefined)?.conditions ?? []
  return conditions.some(
    (c) =>
      c.type === "Ready" &&
      c.status === "True" &&
      c.observedGeneration === object.metadata.generation,
  )
}

const readyCondition = (object: KubeObject) =>
  ((object.status as { conditions?: ReadonlyArray<Condition> } | undefined)?.conditions ?? []).find(
    (c) => c.type === "Ready",
  )

/**
 * Polls the namespace's StageSets (one LIST per tick) until `expected` of them are Ready;
 * returns the milliseconds from `since` (a performance.now() value) to the first tick that
 * saw them all Ready. `onTick` runs every tick (e.g. to sample memory).
 */
export const waitAllReady = (
  kube: KubeClientApi,
  namespace: string,
  expected: number,
  since: number,
  options: {
    readonly every?: Duration.DurationInput
    readonly timeout?: Duration.DurationInput
    readonly onTick?: Effect.Effect<void>
  } = {},
): Effect.Effect<number> =>
  Effect.gen(function* () {
    const every = Duration.toMillis(options.every ?? "200 millis")
    const deadline = since + Duration.toMillis(options.timeout ?? "30 minutes")
    let last: ReadonlyArray<KubeObject> = []
    while (performance.now() < deadline) {
      const tick = performance.now()
      const list = yield* kube
        .list({ apiVersion: API_VERSION, kind: STAGE_SET_KIND }, { namespace })
        .pipe(Effect.orElseSucceed(() => ({ items: last })))
      last = list.items
      if (options.onTick !== undefined) yield* options.onTick
      if (last.filter(isReady).length >= expected) return performance.now() - since
      yield* Effect.sleep(Duration.millis(Math.max(0, every - (performance.now() - tick))))
    }
    const notReady = last
      .filter((o) => !isReady(o))
      .slice(0, 5)
      .map((o) => `${o.metadata.name}: ${JSON.stringify(readyCondition(o))}`)
    return yield* Effect.dieMessage(
      `${namespace}: not all ${expected} StageSets Ready in time; e.g. ${notReady.join("; ")}`,
    )
  })
