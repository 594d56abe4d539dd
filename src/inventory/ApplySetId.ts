/**
 * KEP-3659 ApplySet ids, computed exactly as kubectl does so that kubectl and
 * other ApplySet-aware tools see the same id on the parent and its members:
 * `applyset-` + base64url (no padding) of sha256(`<name>.<namespace>.<Kind>.<group>`)
 * + `-v1`. Kind, not the resource plural; "" for a cluster-scoped parent's
 * namespace and for the core group. The id depends only on names, which is
 * what lets a lost inventory be rebuilt from the members' part-of labels.
 */
import { createHash } from "node:crypto"
import { applySetTooling, GROUP, STAGE_INVENTORY_KIND } from "./Labels.ts"
import type { ApplySetIdentity } from "./RecordPlan.ts"
import { shardName } from "./ShardName.ts"

export interface ApplySetParent {
  readonly name: string
  readonly namespace: string
  readonly kind: string
  readonly group: string
}

export const applySetId = (parent: ApplySetParent): string => {
  const digest = createHash("sha256")
    .update(`${parent.name}.${parent.namespace}.${parent.kind}.${parent.group}`)
    .digest("base64url") // Node's base64url already omits the padding.
  return `applyset-${digest}-v1`
}

/** The id of a stage's ApplySet, whose parent is the stage's shard 0. */
export const stageApplySetId = (namespace: string, stageSet: string, stage: string): string =>
  applySetId({
    name: shardName(stageSet, stage, 0),
    namespace,
    kind: STAGE_INVENTORY_KIND,
    group: GROUP,
  })

/** The ApplySet identity of a stage as record intent and settle write it. */
export const stageApplySetIdentity = (
  namespace: string,
  stageSet: string,
  stage: string,
  version: string,
): ApplySetIdentity => ({
  id: stageApplySetId(namespace, stageSet, stage),
  tooling: applySetTooling(version),
  namespace,
})
