import { Effect } from "effect"
import { stageApplySetId } from "../../inventory/ApplySetId.ts"
import { entryOf, refOf } from "../../inventory/EntryId.ts"
import { APPLYSET_PART_OF } from "../../inventory/Labels.ts"
import type { Member } from "../../inventory/RecordPlan.ts"
import { ActingClient } from "../../kube/ActingClient.ts"
import { formatApiVersion } from "../../kube/KubeObject.ts"
import type { RunEvent } from "../RunEvent.ts"
import type { StageSetView } from "../StageSetView.ts"

/**
 * A stage whose shards are all gone although its status says it applied (semantics.md
 * section 6.2): the ApplySet id depends only on names, so the members still carry it.
 * Lists every served group-kind with `applyset.kubernetes.io/part-of=<id>`, namespaced
 * kinds in the StageSet's namespace (the lost record's `additional-namespaces` are lost
 * with it) and cluster-scoped kinds at cluster scope. A kind that cannot be listed (not
 * listable, or not allowed) is skipped: its members cannot be found, and the Event says
 * that what is not found cannot be pruned.
 */
export const findLabelledMembers = Effect.fn("findLabelledMembers")(function* (
  stageSet: StageSetView,
  stage: string,
) {
  const kube = yield* ActingClient
  const id = stageApplySetId(stageSet.namespace, stageSet.name, stage)
  // Review kinds and the like are create-only: listing them is refused (405).
  const served = (yield* kube.resources()).filter(
    (r) => r.verbs === undefined || r.verbs.includes("list"),
  )
  const found = yield* Effect.forEach(
    served,
    (resource) =>
      kube
        .list(
          { apiVersion: formatApiVersion(resource.group, resource.version), kind: resource.kind },
          {
            ...(resource.namespaced ? { namespace: stageSet.namespace } : {}),
            labelSelector: `${APPLYSET_PART_OF}=${id}`,
          },
        )
        .pipe(
          Effect.map((list) =>
            list.items.map((object): Member => {
              const ref = refOf(object, resource.namespaced)
              return { ref, entry: entryOf(ref, object.apiVersion) }
            }),
          ),
          Effect.orElseSucceed((): ReadonlyArray<Member> => []),
        ),
    { concurrency: 4 },
  )
  return found.flat()
})

/** The Warning Event of a rebuilt record: what was found, and what cannot be pruned. */
export const rebuiltEvent = (
  stage: string,
  found: ReadonlyArray<Member> | undefined,
  namespace: string,
): RunEvent => ({
  type: "Warning",
  reason: "InventoryRebuilt",
  message:
    found === undefined
      ? `stage ${stage}: its StageInventory shards were gone; recorded the current render (entries mode puts nothing on the objects), so objects dropped from the render while the record was missing cannot be pruned`
      : `stage ${stage}: its StageInventory shards were gone; rebuilt the record from ${found.length} objects labelled with the stage's ApplySet id in namespace ${namespace} and cluster scope; objects in other namespaces cannot be found and will not be pruned`,
})
