import { Effect } from "effect"
import { API_VERSION, STAGE_SET_KIND } from "../inventory/Labels.ts"
import { recordedEntries } from "../inventory/StageRecord.ts"
import { InventoryStore } from "../inventory-store/InventoryStore.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import { renderStageSet } from "./renderStageSet.ts"
import { viewOf } from "./stageSet/observeStageSet.ts"
import type { StageSetKey } from "./stageSet/StageSetKey.ts"
import { TargetCluster } from "./TargetCluster.ts"

/**
 * The ids other StageSets claim, which this one must never prune: those listed in their
 * stored inventories (handed over, semantics.md section 2, step 3) and those in their
 * current render (invariant B). The render matters when the new owner has not run yet:
 * going by inventories alone, the old owner would delete the object and the new owner
 * would recreate it. A StageSet being deleted, or one that cannot be rendered right now
 * (source not ready, broken manifests), counts with its inventory only. These reads are
 * the controller's own (semantics.md section 9): they decide ownership across StageSets.
 */
export const claimedElsewhere = Effect.fn("claimedElsewhere")(function* (self: StageSetKey) {
  const kube = yield* KubeClient
  const store = yield* InventoryStore
  const isSelf = (namespace: string | undefined, name: string | undefined) =>
    namespace === self.namespace && name === self.name
  const ids = new Set<string>()
  for (const record of yield* store.listAll())
    if (!isSelf(record.namespace, record.stageSet))
      for (const entry of recordedEntries(record)) ids.add(entry.id)

  const others = (yield* kube.list({ apiVersion: API_VERSION, kind: STAGE_SET_KIND })).items.filter(
    (o) =>
      !isSelf(o.metadata.namespace, o.metadata.name) && o.metadata.deletionTimestamp === undefined,
  )
  const rendered = yield* Effect.forEach(
    others,
    (object) =>
      viewOf(object).pipe(
        // Rendered against this cluster's discovery, also when it applies to a remote one:
        // connecting to every other StageSet's cluster here would cost more than it tells.
        Effect.flatMap((view) =>
          renderStageSet(view).pipe(
            Effect.provideService(TargetCluster, { client: kube, remote: undefined }),
          ),
        ),
        Effect.map((stages) => stages.flatMap((s) => s.members.map((m) => m.entry.id))),
        Effect.catchAll((error) =>
          Effect.logDebug("another StageSet cannot be rendered; its inventory still counts").pipe(
            Effect.annotateLogs({
              stageSet: `${object.metadata.namespace}/${object.metadata.name}`,
              error: error.message,
            }),
            Effect.as<ReadonlyArray<string>>([]),
          ),
        ),
      ),
    { concurrency: 4 },
  )
  for (const id of rendered.flat()) ids.add(id)
  const claimed: ReadonlySet<string> = ids
  return claimed
})
