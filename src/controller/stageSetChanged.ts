import type { KubeObject } from "../kube/KubeObject.ts"

const sameList = (a: ReadonlyArray<string> = [], b: ReadonlyArray<string> = []) =>
  a.length === b.length && a.every((x, i) => x === b[i])

const sameRecord = (
  a: Readonly<Record<string, string>> = {},
  b: Readonly<Record<string, string>> = {},
) => {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

/**
 * Whether an update of a StageSet asks for a reconcile: its spec (generation), an
 * annotation (`reconcile.fluxcd.io/requestedAt`, `stages.metio.wtf/reconcile-stage`), its
 * deletion or its finalizers changed. Everything else is a status write, mostly our own,
 * which must not start another reconcile (that would loop).
 */
export const stageSetChanged = (previous: KubeObject, next: KubeObject): boolean => {
  const a = previous.metadata
  const b = next.metadata
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !sameRecord(a.annotations, b.annotations) ||
    !sameList(a.finalizers, b.finalizers)
  )
}

/**
 * Whether an update of a StageInventory shard may need repair: its spec (generation), its
 * ownership labels, or its deletion changed. Our own shard writes pass this too; the
 * controller tells them apart by their resourceVersion (OwnWrites).
 */
export const shardChanged = (previous: KubeObject, next: KubeObject): boolean =>
  previous.metadata.generation !== next.metadata.generation ||
  previous.metadata.deletionTimestamp !== next.metadata.deletionTimestamp ||
  !sameRecord(previous.metadata.labels, next.metadata.labels)
