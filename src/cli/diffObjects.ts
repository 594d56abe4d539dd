import { Predicate } from "effect"
import type { KubeObject } from "../kube/KubeObject.ts"

/** One field whose value a reconcile would change. */
export interface FieldChange {
  /** Dotted path (`data.key`, `spec.replicas`). */
  readonly path: string
  /** Undefined: the field is absent. */
  readonly before: unknown
  readonly after: unknown
}

/** Server-owned bookkeeping that changes without the object changing. */
const normalize = (object: KubeObject): unknown => {
  const {
    managedFields: _mf,
    resourceVersion: _rv,
    generation: _g,
    creationTimestamp: _ct,
    uid: _uid,
    ...metadata
  } = object.metadata
  const { status: _status, ...rest } = object
  return { ...rest, metadata }
}

const walk = (before: unknown, after: unknown, path: string, out: Array<FieldChange>): void => {
  if (Predicate.isRecord(before) && Predicate.isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    for (const key of keys) walk(before[key], after[key], path === "" ? key : `${path}.${key}`, out)
    return
  }
  if (JSON.stringify(before) !== JSON.stringify(after))
    out.push({ path: path === "" ? "(root)" : path, before, after })
}

/** The fields (dotted leaves; lists whole) whose values differ between the live object and the dry-run result. */
export const changedFields = (live: KubeObject, dryRun: KubeObject): ReadonlyArray<FieldChange> => {
  const out: Array<FieldChange> = []
  walk(normalize(live), normalize(dryRun), "", out)
  return out
}

/** The paths of `changedFields`. */
export const changedPaths = (live: KubeObject, dryRun: KubeObject): ReadonlyArray<string> =>
  changedFields(live, dryRun).map((field) => field.path)
