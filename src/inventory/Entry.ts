/** One object as the inventory identifies it. `namespace` is "" for cluster-scoped objects, `group` "" for core. */
export interface ObjectRef {
  readonly group: string
  readonly kind: string
  readonly namespace: string
  readonly name: string
}

/** An inventory entry exactly as stored in `StageInventory.spec.entries`. */
export interface Entry {
  /** `namespace_name_group_kind` (see EntryId.ts). */
  readonly id: string
  /** The apiVersion the object was applied at, e.g. `apps/v1`. */
  readonly v: string
}
