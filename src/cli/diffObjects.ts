import { Predicate } from "effect"
import type { KubeObject } from "../kube/KubeObject.ts"

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

const walk = (before: unknown, after: unknown, path: string, out: Array<string>): void => {
  if (Predicate.isRecord(before) && Predicate.isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    for (const key of keys) walk(before[key], after[key], path === "" ? key : `${path}.${key}`, out)
    return
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push(path === "" ? "(root)" : path)
}

/** The field paths (dotted) whose values differ between the live object and the dry-run result. */
export const changedPaths = (live: KubeObject, dryRun: KubeObject): ReadonlyArray<string> => {
  const out: Array<string> = []
  walk(normalize(live), normalize(dryRun), "", out)
  return out
}
