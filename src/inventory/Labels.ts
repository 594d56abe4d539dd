/**
 * Every label, annotation and name the controller stamps or honours (api.md,
 * "Labels and annotations"). Kept in one place so programs, layers and tests
 * agree on the spelling; a typo here would silently split ownership.
 */

/** The API group of StageSet and StageInventory. */
export const GROUP = "stages.metio.wtf"
export const VERSION = "v1"
export const API_VERSION = `${GROUP}/${VERSION}`
export const STAGE_SET_KIND = "StageSet"
export const STAGE_INVENTORY_KIND = "StageInventory"

/** Field manager of every server-side apply the controller sends. */
export const FIELD_MANAGER = "stageset-controller"
/**
 * The field manager of shards' applied digests alone (APPLIED_DIGEST): it owns only that
 * annotation, so a digest is written without sending the shard's entries again.
 */
export const DIGEST_FIELD_MANAGER = "stageset-controller-digest"

/** Finalizer on a StageSet: teardown must run before the object goes away. */
export const FINALIZER = "stages.metio.wtf/finalizer"

// Labels on StageInventory shards: how the controller finds a stage's shards,
// and how it notices a shard name that belongs to another owner (semantics.md 3).
export const LABEL_STAGE_SET = "stages.metio.wtf/stage-set"
export const LABEL_STAGE = "stages.metio.wtf/stage"
export const LABEL_SHARD = "stages.metio.wtf/shard"

/** Label or annotation on a managed object; `disabled` opts it out of prune and teardown. */
export const PRUNE_KEY = "stages.metio.wtf/prune"
export const PRUNE_DISABLED = "disabled"

// KEP-3659 ApplySet keys (hybrid and applyset modes).
/** Label on every member: the ApplySet id of the stage's shard 0. */
export const APPLYSET_PART_OF = "applyset.kubernetes.io/part-of"
/** Label on shard 0 (the parent): its ApplySet id. */
export const APPLYSET_ID = "applyset.kubernetes.io/id"
/** Annotation on shard 0: `stageset-controller/v<semver>`. */
export const APPLYSET_TOOLING = "applyset.kubernetes.io/tooling"
/** Annotation on shard 0: sorted, comma-separated `Kind.group` of every member. */
export const APPLYSET_CONTAINS_GROUP_KINDS = "applyset.kubernetes.io/contains-group-kinds"
/** Annotation on shard 0: sorted, comma-separated member namespaces other than the parent's. */
export const APPLYSET_ADDITIONAL_NAMESPACES = "applyset.kubernetes.io/additional-namespaces"
/** Label on the StageInventory CRD so kubectl accepts a StageInventory as an ApplySet parent. */
/** On shard 0 in every mode: the inventory mode whose writes the stage's record last settled to. */
export const INVENTORY_MODE = "stages.metio.wtf/inventory-mode"
/**
 * On each shard in every mode: the fingerprints of the versions the stage's last run left
 * of the members whose entries that shard holds (AppliedDigest.ts, ShardDigest.ts), so
 * that a restarted controller can trust a LIST.
 */
export const APPLIED_DIGEST = "stages.metio.wtf/applied-digest"

export const APPLYSET_IS_PARENT_TYPE = "applyset.kubernetes.io/is-parent-type"

// Annotations honoured on a StageSet.
/** Reconcile now; the token is echoed to `status.lastHandledReconcileAt`. */
export const RECONCILE_REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
/** Re-run one named stage (and the stages after it) even if nothing changed. */
export const RECONCILE_STAGE = "stages.metio.wtf/reconcile-stage"

/**
 * The ApplySet tooling value. It is deliberately not `kubectl/...`: kubectl
 * refuses to apply or prune a set owned by other tooling, which keeps a stray
 * `kubectl apply --prune --applyset` away from our sets.
 */
export const applySetTooling = (version: string): string => `${FIELD_MANAGER}/v${version}`
