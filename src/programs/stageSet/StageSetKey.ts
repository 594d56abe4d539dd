import { API_VERSION, STAGE_SET_KIND } from "../../inventory/Labels.ts"
import type { ObjectKey } from "../../kube/KubeObject.ts"

/** Which StageSet a reconcile is about. */
export interface StageSetKey {
  readonly namespace: string
  readonly name: string
}

export const stageSetKey = (key: StageSetKey): ObjectKey => ({
  apiVersion: API_VERSION,
  kind: STAGE_SET_KIND,
  namespace: key.namespace,
  name: key.name,
})
