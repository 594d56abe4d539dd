/**
 * What a stage's prune phase deletes (semantics.md section 2, step 3), as pure
 * set arithmetic over ids plus the per-object checks made on the live object
 * right before each delete.
 *
 * Classification of every stored entry (I), in this order:
 * 1. in this stage's render (D): `kept`, nothing to do;
 * 2. in another stage's render, or in another StageSet's inventory:
 *    `handedOver`, dropped from this stage's record and never deleted
 *    (ownership moved; deleting would make the new owner recreate it);
 * 3. the stage has `prune: false`: `released`, dropped from the record and
 *    left in the cluster;
 * 4. otherwise: a prune `candidate`, still subject to the live checks below.
 *
 * Why `prune: false` leftovers are dropped rather than kept recorded: settle
 * writes the record to exactly D (section 2, step 4), and an operator who
 * turns prune off expects the leftovers to become unmanaged, not to be deleted
 * later when prune is turned back on or the StageSet is torn down. Once
 * dropped nothing will ever delete them, which is what "never prune this
 * stage's leftovers" asks for. (`released` is an addition to the brief's three
 * lists, so callers can report it; nothing is written for it.)
 *
 * Invariant B: an id in D or in another stage's render is never a candidate;
 * rule 1 and rule 2 come first.
 */
import type { KubeObject } from "../kube/KubeObject.ts"
import type { Entry, ObjectRef } from "./Entry.ts"
import { PRUNE_DISABLED, PRUNE_KEY } from "./Labels.ts"

export interface PruneInput {
  /** I: this stage's stored entries (or members found by ApplySet discovery, as entries). */
  readonly inventory: ReadonlyArray<Entry>
  /** D: ids rendered for this stage. */
  readonly desired: ReadonlySet<string>
  /** Ids in the render of other stages of this StageSet (ownership moves there). */
  readonly otherStagesDesired: ReadonlySet<string>
  /** Ids listed in other StageSets' inventories (handed over). */
  readonly otherStageSetsInventory: ReadonlySet<string>
  /** The stage's `prune` field. */
  readonly pruneEnabled: boolean
}

export interface PrunePlan {
  /** To delete, unless a live check says otherwise; in `inventory` order. */
  readonly candidates: ReadonlyArray<Entry>
  /** Owned elsewhere now: drop from the record, never delete. */
  readonly handedOver: ReadonlyArray<Entry>
  /** Stored and still rendered: stays recorded (repeats an id the inventory repeats). */
  readonly kept: ReadonlyArray<Entry>
  /** Leftovers of a `prune: false` stage: drop from the record, leave in the cluster. */
  readonly released: ReadonlyArray<Entry>
}

export const planPrune = (input: PruneInput): PrunePlan => {
  const candidates: Array<Entry> = []
  const handedOver: Array<Entry> = []
  const kept: Array<Entry> = []
  const released: Array<Entry> = []
  // Discovery can report a member twice (e.g. once per listed namespace);
  // only the lists that lead to an action are de-duplicated, which keeps the
  // common case (almost everything still rendered) at one lookup per entry.
  const seen = new Set<string>()
  for (const entry of input.inventory) {
    if (input.desired.has(entry.id)) {
      kept.push(entry)
      continue
    }
    if (seen.has(entry.id)) continue
    seen.add(entry.id)
    if (input.otherStagesDesired.has(entry.id) || input.otherStageSetsInventory.has(entry.id))
      handedOver.push(entry)
    else if (!input.pruneEnabled) released.push(entry)
    else candidates.push(entry)
  }
  return { candidates, handedOver, kept, released }
}

/** The object opted out of pruning and teardown: `stages.metio.wtf/prune: disabled` as a label or annotation. */
export const isPruneDisabled = (object: KubeObject): boolean =>
  object.metadata.labels?.[PRUNE_KEY] === PRUNE_DISABLED ||
  object.metadata.annotations?.[PRUNE_KEY] === PRUNE_DISABLED

/**
 * Whether `fieldManager` still owns any field of the object. Copied labels
 * never make an object ours; only managedFields do.
 *
 * An object with no managedFields at all counts as ours: a real API server drops
 * a manager that owns no field any more, so an object applied bare (a Namespace
 * with only a name, in entries mode) carries no entry for us although nobody else
 * touched it. It is "no longer ours" only when other managers own fields and we
 * own none: another tool took it over. Callers check a freshly read object (our
 * informer cache strips managedFields).
 */
export const isManagedBy = (object: KubeObject, fieldManager: string): boolean => {
  const managers = object.metadata.managedFields ?? []
  return managers.length === 0 || managers.some((entry) => entry.manager === fieldManager)
}

const isNamespaceRef = (ref: ObjectRef): boolean => ref.group === "" && ref.kind === "Namespace"

const isCrdRef = (ref: ObjectRef): boolean =>
  ref.group === "apiextensions.k8s.io" && ref.kind === "CustomResourceDefinition"

/**
 * Delete tier: 0 namespaced objects, 1 other cluster-scoped objects, 2
 * Namespaces, 3 CustomResourceDefinitions. Containers go last so their
 * contents are deleted by us (honouring opt-outs and hand-overs) rather than
 * swept away by the namespace or CRD cleanup. CRDs follow Namespaces, the
 * reverse of the apply order (CRDs and Namespaces first), so custom resources
 * in a deleted namespace are removed while their kind still exists.
 */
export const deletionTier = (ref: ObjectRef): 0 | 1 | 2 | 3 =>
  ref.namespace !== "" ? 0 : isCrdRef(ref) ? 3 : isNamespaceRef(ref) ? 2 : 1

/** `refs` in delete order (see `deletionTier`); stable within a tier. */
export const deletionOrder = <R extends ObjectRef>(refs: ReadonlyArray<R>): Array<R> =>
  deletionTiers(refs).flat()

/**
 * `refs` grouped by tier, lowest first, empty tiers left out: a caller that
 * deletes a tier concurrently can wait for it before starting the next.
 */
export const deletionTiers = <R extends ObjectRef>(refs: ReadonlyArray<R>): Array<Array<R>> => {
  const tiers: [Array<R>, Array<R>, Array<R>, Array<R>] = [[], [], [], []]
  for (const ref of refs) tiers[deletionTier(ref)].push(ref)
  return tiers.filter((tier) => tier.length > 0)
}

/**
 * The live check for one candidate, on a freshly read object (undefined when
 * the read found nothing): only `Delete` deletes; every other verdict drops
 * the entry from the record without a delete (a 404 is a successful prune).
 */
export type PruneVerdict = "Delete" | "Gone" | "OptedOut" | "NotManaged"

export const pruneVerdict = (live: KubeObject | undefined, fieldManager: string): PruneVerdict =>
  live === undefined
    ? "Gone"
    : isPruneDisabled(live)
      ? "OptedOut"
      : isManagedBy(live, fieldManager)
        ? "Delete"
        : "NotManaged"
