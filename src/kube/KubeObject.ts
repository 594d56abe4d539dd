/**
 * The shapes the controller exchanges with the API server. Objects are kept as
 * plain JSON: the controller applies arbitrary kinds, so only metadata is typed.
 */

export interface OwnerReference {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  readonly uid: string
  readonly controller?: boolean
  readonly blockOwnerDeletion?: boolean
}

export interface ManagedFieldsEntry {
  readonly manager?: string
  readonly operation?: "Apply" | "Update"
  readonly apiVersion?: string
  readonly time?: string
  readonly fieldsType?: string
  readonly fieldsV1?: unknown
  readonly subresource?: string
}

export interface ObjectMeta {
  readonly name: string
  readonly namespace?: string
  readonly generateName?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly uid?: string
  readonly resourceVersion?: string
  readonly generation?: number
  readonly creationTimestamp?: string
  readonly deletionTimestamp?: string
  readonly deletionGracePeriodSeconds?: number
  readonly finalizers?: ReadonlyArray<string>
  readonly ownerReferences?: ReadonlyArray<OwnerReference>
  readonly managedFields?: ReadonlyArray<ManagedFieldsEntry>
}

export interface KubeObject {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: ObjectMeta
  readonly [field: string]: unknown
}

/** Names one object: the API version it is addressed at, its kind, and where it lives. */
export interface ObjectKey {
  readonly apiVersion: string
  readonly kind: string
  /** Empty or absent for cluster-scoped objects. */
  readonly namespace?: string
  readonly name: string
}

/** A served resource as discovery reports it. */
export interface ResourceInfo {
  readonly group: string
  readonly version: string
  readonly kind: string
  /** The lower-case plural used in URLs, e.g. `deployments`. */
  readonly plural: string
  readonly namespaced: boolean
  /** Whether the resource has a `status` subresource. */
  readonly hasStatus: boolean
  /** The verbs discovery lists (`list`, `watch`, ...); undefined when it did not say. */
  readonly verbs?: ReadonlyArray<string>
}

export interface ObjectList {
  readonly items: ReadonlyArray<KubeObject>
  readonly resourceVersion: string
}

export type WatchEvent =
  | { readonly type: "ADDED" | "MODIFIED" | "DELETED"; readonly object: KubeObject }
  | { readonly type: "BOOKMARK"; readonly resourceVersion: string }

/** Splits `apps/v1` into group `apps`, version `v1`; `v1` into the core group. */
export const parseApiVersion = (apiVersion: string): { group: string; version: string } => {
  const slash = apiVersion.indexOf("/")
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) }
}

export const formatApiVersion = (group: string, version: string): string =>
  group === "" ? version : `${group}/${version}`
