import { Effect } from "effect"
import { formatEntryId, groupOfApiVersion } from "../../../src/inventory/EntryId.ts"
import { groupKindOf } from "../../../src/inventory/GroupKinds.ts"
import {
  API_VERSION,
  APPLYSET_CONTAINS_GROUP_KINDS,
  APPLYSET_ID,
  APPLYSET_PART_OF,
  FIELD_MANAGER,
  LABEL_SHARD,
  PRUNE_DISABLED,
  PRUNE_KEY,
  STAGE_INVENTORY_KIND,
  STAGE_SET_KIND,
} from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../../../src/kube/KubeObject.ts"
import type { RecordedWrite } from "./Recorder.ts"

/**
 * The two invariants of semantics.md section 2, as checks a scenario can run at any
 * instant (after a simulated crash, between reconciles). Each returns the violations as
 * readable lines, so `expect(violations).toEqual([])` names what went wrong.
 */

type Kind = { readonly apiVersion: string; readonly kind: string }

/** The inventory id of a namespaced object or key. */
export const idOfKey = (key: ObjectKey): string =>
  formatEntryId({
    group: groupOfApiVersion(key.apiVersion),
    kind: key.kind,
    namespace: key.namespace ?? "",
    name: key.name,
  })

export const idOfObject = (object: KubeObject): string =>
  idOfKey({
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  })

export const isOptedOut = (object: KubeObject): boolean =>
  object.metadata.labels?.[PRUNE_KEY] === PRUNE_DISABLED ||
  object.metadata.annotations?.[PRUNE_KEY] === PRUNE_DISABLED

/** Whether the controller's field manager has (or had, and still holds fields as) an entry. */
export const managedByController = (object: KubeObject): boolean =>
  ((object.metadata.managedFields ?? []) as ReadonlyArray<{ manager?: string }>).some(
    (f) => f.manager === FIELD_MANAGER,
  )

export interface NoOrphansInput {
  readonly namespace: string
  /** The member kinds the scenario renders (ConfigMap, ...), listed in `namespace`. */
  readonly kinds: ReadonlyArray<Kind>
  /** Ids of the current render: an opted-out object outside it is deliberately dropped. */
  readonly render: ReadonlySet<string>
}

/**
 * Invariant A (no orphans): every object of `kinds` in the namespace that the controller
 * wrote (a managedFields entry for `stageset-controller`) is listed in the entries of a
 * StageInventory of the namespace, or carries the part-of label of a shard 0 whose
 * `contains-group-kinds` names its group-kind. Opted-out objects that left the render
 * were dropped on purpose and are exempt.
 */
export const orphans = (input: NoOrphansInput) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const shards = (yield* kube.list(
      { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND },
      { namespace: input.namespace },
    )).items
    const listed = new Set(
      shards.flatMap((s) =>
        ((s.spec as { entries?: ReadonlyArray<{ id: string }> }).entries ?? []).map((e) => e.id),
      ),
    )
    const parents = new Map<string, ReadonlySet<string>>()
    for (const shard of shards) {
      const id = shard.metadata.labels?.[APPLYSET_ID]
      if (id === undefined || shard.metadata.labels?.[LABEL_SHARD] !== "0") continue
      const kinds = shard.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS] ?? ""
      parents.set(id, new Set(kinds.split(",").filter((k) => k !== "")))
    }
    const violations: Array<string> = []
    for (const kind of input.kinds) {
      const objects = (yield* kube.list(kind, { namespace: input.namespace })).items
      for (const object of objects) {
        if (!managedByController(object)) continue
        const id = idOfObject(object)
        if (isOptedOut(object) && !input.render.has(id)) continue
        if (listed.has(id)) continue
        const partOf = object.metadata.labels?.[APPLYSET_PART_OF]
        const groupKind = groupKindOf({
          group: groupOfApiVersion(object.apiVersion),
          kind: object.kind,
        })
        if (partOf !== undefined && parents.get(partOf)?.has(groupKind) === true) continue
        violations.push(
          `orphan: ${id} (part-of ${partOf ?? "none"}) is in no inventory entry and no ApplySet that records ${groupKind}`,
        )
      }
    }
    return violations
  })

/**
 * Invariant B (no wrongful deletes): none of the recorded writes deletes an object of the
 * current render or one carrying `stages.metio.wtf/prune: disabled` (`protectedIds`).
 * Deletes of StageInventory shards and the StageSet are bookkeeping, not members.
 */
export const wrongfulDeletes = (
  writes: ReadonlyArray<RecordedWrite>,
  protectedIds: ReadonlySet<string>,
): ReadonlyArray<string> =>
  writes.flatMap((w) => {
    if (w.verb !== "delete") return []
    if (w.key.apiVersion === API_VERSION)
      if (w.key.kind === STAGE_INVENTORY_KIND || w.key.kind === STAGE_SET_KIND) return []
    const id = idOfKey(w.key)
    return protectedIds.has(id) ? [`wrongful delete of ${id}`] : []
  })
