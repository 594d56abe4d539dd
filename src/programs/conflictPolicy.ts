import type { ConflictAction } from "../../schemas/StageSet.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import type { StageView } from "./StageSetView.ts"

export interface ResolvedAction {
  readonly action: ConflictAction
  /** Set when a rule explicitly allows recreating a PVC/PV. */
  readonly allowDataLoss: boolean
}

const matches = (value: string | undefined, wanted: string | undefined) =>
  wanted === undefined || wanted === "" || value === wanted

/**
 * The conflict action for one object: the first rule whose (partial) target matches wins,
 * else Recreate when `force` is set, else `conflictPolicy.default`, else Fail. `force` wins
 * over the default because the schema fills `default: Fail`, so an explicit Fail cannot be
 * told apart from an omitted one.
 */
export const resolveConflictAction = (stage: StageView, object: KubeObject): ResolvedAction => {
  const rules = stage.conflictPolicy?.rules ?? []
  for (const rule of rules) {
    const t = rule.target
    if (
      matches(object.apiVersion, t.apiVersion) &&
      matches(object.kind, t.kind) &&
      matches(object.metadata.namespace ?? "", t.namespace) &&
      matches(object.metadata.name, t.name)
    )
      return { action: rule.action, allowDataLoss: rule.allowDataLoss === true }
  }
  const fallback = stage.force === true ? "Recreate" : (stage.conflictPolicy?.default ?? "Fail")
  return { action: fallback, allowDataLoss: false }
}

/** Kinds whose deletion destroys data; Recreate needs `allowDataLoss: true` on the rule. */
export const holdsData = (object: KubeObject): boolean =>
  object.apiVersion === "v1" &&
  (object.kind === "PersistentVolumeClaim" || object.kind === "PersistentVolume")
