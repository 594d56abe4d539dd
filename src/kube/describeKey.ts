import type { ObjectKey } from "./KubeObject.ts"

/** How messages name an object: `Deployment payments/web`, or `Namespace payments` when cluster-scoped. */
export const describeKey = (key: Pick<ObjectKey, "kind" | "namespace" | "name">): string =>
  key.namespace === undefined || key.namespace === ""
    ? `${key.kind} ${key.name}`
    : `${key.kind} ${key.namespace}/${key.name}`
