import { Predicate } from "effect"
import type { KubeObject } from "../kube/KubeObject.ts"

/** What a Secret's value shows as unless `--show-secrets` is given. */
export const MASK = "***"

/** kubectl's client-side apply keeps the whole last applied object here, Secret data included. */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

export const isSecret = (object: Pick<KubeObject, "apiVersion" | "kind">): boolean =>
  object.apiVersion === "v1" && object.kind === "Secret"

const maskValues = (values: unknown): unknown =>
  Predicate.isRecord(values)
    ? Object.fromEntries(Object.keys(values).map((key) => [key, MASK]))
    : values

/** A Secret with every value of `data` and `stringData` masked (keys kept); others unchanged. */
export const maskSecret = (object: KubeObject): KubeObject => {
  if (!isSecret(object)) return object
  const annotations = object.metadata.annotations
  return {
    ...object,
    ...(object.data === undefined ? {} : { data: maskValues(object.data) }),
    ...(object.stringData === undefined ? {} : { stringData: maskValues(object.stringData) }),
    metadata:
      annotations?.[LAST_APPLIED] === undefined
        ? object.metadata
        : { ...object.metadata, annotations: { ...annotations, [LAST_APPLIED]: MASK } },
  }
}

/** Whether the field at the dotted `path` of a Secret holds secret data. */
export const isSecretField = (object: Pick<KubeObject, "apiVersion" | "kind">, path: string) =>
  isSecret(object) &&
  (path === "data" ||
    path === "stringData" ||
    path.startsWith("data.") ||
    path.startsWith("stringData.") ||
    path === `metadata.annotations.${LAST_APPLIED}`)
