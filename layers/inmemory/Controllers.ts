import { asObject, asStringArray, deepEqual, isPlainObject, type JsonObject } from "./Json.ts"
import { beginDelete, dropFinalizer, systemWrite } from "./Lifecycle.ts"
import { defFromCrd, groupKindKey, type ResourceDef } from "./ResourceTable.ts"
import {
  isDeleting,
  lookupRef,
  metaOf,
  objectsOf,
  refOf,
  remove,
  type Store,
  type Task,
} from "./Store.ts"

/**
 * The parts of kube-controller-manager and the apiextensions server the programs can observe:
 * the namespace controller, the garbage collector (Background, Foreground, Orphan) and CRD
 * establishment/cleanup. They run synchronously after each write (unless paused), so tests see
 * a settled cluster when a call returns, the way a fast real cluster eventually looks.
 */

export const crdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"
const controllerManager = "kube-controller-manager"
const apiServer = "kube-apiserver"

const namespaceDef = (store: Store): ResourceDef | undefined => store.table.defs.get("/Namespace")
const crdDef = (store: Store): ResourceDef | undefined =>
  store.table.defs.get("apiextensions.k8s.io/CustomResourceDefinition")

const ownerUids = (object: JsonObject): ReadonlyArray<string> => {
  const refs = metaOf(object).ownerReferences
  return Array.isArray(refs) ? refs.map((ref) => String(asObject(ref).uid)) : []
}

const collect = (store: Store, ref: string, now: string): void => {
  const found = lookupRef(store, ref)
  if (found === undefined || isDeleting(found.object)) return
  const owners = ownerUids(found.object)
  if (owners.length === 0 || owners.some((uid) => store.uids.has(uid))) return
  beginDelete(store, found.def, found.object, now)
}

const cleanNamespace = (store: Store, name: string, now: string): void => {
  const def = namespaceDef(store)
  const namespace = def === undefined ? undefined : lookupRef(store, refOf("/Namespace", "", name))
  if (def === undefined || namespace === undefined || !isDeleting(namespace.object)) return
  for (const ref of [...(store.byNamespace.get(name) ?? [])]) {
    const found = lookupRef(store, ref)
    if (found !== undefined) beginDelete(store, found.def, found.object, now)
  }
  if ((store.byNamespace.get(name)?.size ?? 0) > 0) return
  const current = lookupRef(store, refOf("/Namespace", "", name))
  if (current !== undefined && asStringArray(metaOf(current.object).finalizers).length === 0)
    remove(store, def, current.object)
}

/** Orphan and Foreground deletion: the GC's own finalizers on an owner being deleted. */
const finalizeOwner = (store: Store, ref: string, now: string): void => {
  const found = lookupRef(store, ref)
  if (found === undefined || !isDeleting(found.object)) return
  const finalizers = asStringArray(metaOf(found.object).finalizers)
  const uid = String(metaOf(found.object).uid)
  const dependents = () =>
    [...(store.dependents.get(uid) ?? [])].flatMap((dependent) => {
      const hit = lookupRef(store, dependent)
      return hit === undefined ? [] : [hit]
    })
  if (finalizers.includes("orphan")) {
    for (const dependent of dependents()) {
      const meta = metaOf(dependent.object)
      const refs = (meta.ownerReferences as ReadonlyArray<unknown>).filter(
        (owner) => asObject(owner).uid !== uid,
      )
      const next: JsonObject = { ...meta, ownerReferences: refs.length > 0 ? refs : undefined }
      systemWrite(
        store,
        dependent.def,
        dependent.object,
        { ...dependent.object, metadata: next },
        controllerManager,
        "",
        now,
      )
    }
    dropFinalizer(store, found.def, found.object, "orphan", controllerManager, now)
  } else if (finalizers.includes("foregroundDeletion")) {
    for (const dependent of dependents()) beginDelete(store, dependent.def, dependent.object, now)
    const current = lookupRef(store, ref)
    if (current !== undefined && dependents().length === 0)
      dropFinalizer(
        store,
        current.def,
        current.object,
        "foregroundDeletion",
        controllerManager,
        now,
      )
  }
}

const establishedStatus = (crd: JsonObject, now: string): JsonObject => {
  const spec = asObject(crd.spec)
  const names = asObject(spec.names)
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : []
  const storage = versions.find((v) => v.storage === true)?.name ?? versions[0]?.name
  const stored = asStringArray(asObject(crd.status).storedVersions)
  return {
    ...asObject(crd.status),
    acceptedNames: { listKind: `${String(names.kind)}List`, ...names },
    conditions: [
      {
        type: "NamesAccepted",
        status: "True",
        lastTransitionTime: now,
        reason: "NoConflicts",
        message: "no conflicts found",
      },
      {
        type: "Established",
        status: "True",
        lastTransitionTime: now,
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
      },
    ],
    storedVersions:
      typeof storage === "string" && !stored.includes(storage) ? [...stored, storage] : stored,
  }
}

const kindConflictStatus = (crd: JsonObject, kind: string, now: string): JsonObject => ({
  ...asObject(crd.status),
  conditions: [
    {
      type: "NamesAccepted",
      status: "False",
      lastTransitionTime: now,
      reason: "KindConflict",
      message: `"${kind}" is already in use`,
    },
    {
      type: "Established",
      status: "False",
      lastTransitionTime: now,
      reason: "NotAccepted",
      message: "not all names are accepted",
    },
  ],
})

/** Serves a CRD's kind once it is stored, cleans its objects up when it is deleted. */
const syncCrd = (store: Store, name: string, now: string): void => {
  const def = crdDef(store)
  const found =
    def === undefined
      ? undefined
      : lookupRef(store, refOf(groupKindKey(def.group, def.kind), "", name))
  const served = [...store.table.defs.values()].filter((d) => d.crdName === name)
  if (def === undefined || found === undefined) {
    for (const gone of served) {
      for (const object of objectsOf(store, gone)) remove(store, gone, object)
      store.table.defs.delete(groupKindKey(gone.group, gone.kind))
    }
    return
  }
  const crd = found.object
  if (isDeleting(crd)) {
    for (const gone of served)
      for (const object of objectsOf(store, gone)) beginDelete(store, gone, object, now)
    if (
      served.every(
        (gone) => (store.kinds.get(groupKindKey(gone.group, gone.kind))?.size ?? 0) === 0,
      )
    )
      dropFinalizer(store, def, crd, crdCleanupFinalizer, apiServer, now)
    return
  }
  const candidate = defFromCrd(crd)
  // The names controller accepts a kind once per group: a second CRD claiming it is not
  // served and says so (NamesAccepted=False), as the real API server's does.
  const holder =
    candidate === undefined
      ? undefined
      : store.table.defs.get(groupKindKey(candidate.group, candidate.kind))
  if (candidate !== undefined && holder?.crdName !== undefined && holder.crdName !== name) {
    const conditions = asObject(crd.status).conditions
    const marked = (Array.isArray(conditions) ? conditions : []).some(
      (c) => asObject(c).type === "NamesAccepted" && asObject(c).status === "False",
    )
    if (!marked)
      systemWrite(
        store,
        def,
        crd,
        { ...crd, status: kindConflictStatus(crd, candidate.kind, now) },
        apiServer,
        "status",
        now,
      )
    return
  }
  const next = candidate
  for (const old of served)
    if (next === undefined || old.group !== next.group || old.kind !== next.kind)
      store.table.defs.delete(groupKindKey(old.group, old.kind))
  if (next !== undefined) store.table.defs.set(groupKindKey(next.group, next.kind), next)
  let current = crd
  if (!asStringArray(metaOf(current).finalizers).includes(crdCleanupFinalizer)) {
    const meta = metaOf(current)
    const finalizers = [...asStringArray(meta.finalizers), crdCleanupFinalizer]
    current = systemWrite(
      store,
      def,
      current,
      { ...current, metadata: { ...meta, finalizers } },
      apiServer,
      "",
      now,
    )
  }
  const status = asObject(current.status)
  const established = (Array.isArray(status.conditions) ? status.conditions : []).some(
    (condition) =>
      asObject(condition).type === "Established" && asObject(condition).status === "True",
  )
  const wanted = establishedStatus(current, now)
  if (!established || !deepEqual(wanted.storedVersions, status.storedVersions ?? []))
    systemWrite(store, def, current, { ...current, status: wanted }, apiServer, "status", now)
}

const handle = (store: Store, task: Task, now: string): void => {
  switch (task._tag) {
    case "collect":
      collect(store, task.ref, now)
      break
    case "dependents":
      for (const ref of [...(store.dependents.get(task.uid) ?? [])]) collect(store, ref, now)
      break
    case "namespace":
      cleanNamespace(store, task.name, now)
      break
    case "crd":
      syncCrd(store, task.name, now)
      break
    case "finalize":
      finalizeOwner(store, task.ref, now)
      break
  }
}

/** Runs the emulated controllers until nothing is left to do (nothing, while paused). */
export const runControllers = (store: Store, now: string): void => {
  let done = 0
  while (!store.paused && done < store.tasks.length) {
    handle(store, store.tasks[done++]!, now)
    // A loop here is a bug in the emulation, not an API outcome: make it a defect.
    if (done > 10_000_000) throw new Error("in-memory controllers did not settle")
  }
  store.tasks.splice(0, done)
}
