import type { ObjectRef } from "../inventory/Entry.ts"
import type { KubeObject, ObjectKey } from "../kube/KubeObject.ts"

/** `Kind namespace/name` (or `Kind name` when cluster-scoped), for messages and events. */
export const describeRef = (ref: ObjectRef): string =>
  `${ref.kind} ${ref.namespace === "" ? "" : `${ref.namespace}/`}${ref.name}`

export const describeObject = (object: KubeObject): string =>
  `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`

export const keyOfRef = (ref: ObjectRef, apiVersion: string): ObjectKey =>
  ref.namespace === ""
    ? { apiVersion, kind: ref.kind, name: ref.name }
    : { apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name }

export const keyOfObject = (object: KubeObject): ObjectKey =>
  object.metadata.namespace
    ? {
        apiVersion: object.apiVersion,
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
      }
    : { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name }
