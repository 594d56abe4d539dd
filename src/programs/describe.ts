import type { ObjectRef } from "../inventory/Entry.ts"
import { describeKey } from "../kube/describeKey.ts"
import type { KubeObject, ObjectKey } from "../kube/KubeObject.ts"

/** `Kind namespace/name` (or `Kind name` when cluster-scoped), for messages and events. */
export const describeRef = (ref: Pick<ObjectRef, "kind" | "namespace" | "name">): string =>
  describeKey(ref)

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

/** The same for a live or rendered object. */
export const describeObject = (object: KubeObject): string => describeKey(keyOfObject(object))
