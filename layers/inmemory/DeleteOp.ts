import type { DeleteOptions } from "../../src/kube/KubeClient.ts"
import type { ObjectKey } from "../../src/kube/KubeObject.ts"
import { beginDelete } from "./Lifecycle.ts"
import { keyOf, refuse, resolve } from "./Resolve.ts"
import { notFound, uidPrecondition } from "./ServerErrors.ts"
import { isDeleting, lookup, metaOf } from "./Store.ts"
import type { OpContext, WriteOutcome } from "./WriteOps.ts"

/** DELETE with a uid precondition and a propagation policy (the GC acts on it afterwards). */
export const deleteObject = (
  ctx: OpContext,
  key: ObjectKey,
  options: DeleteOptions | undefined,
): WriteOutcome => {
  const target = resolve(ctx.store, key.apiVersion, key.kind, "DELETE", key.namespace, key.name)
  const existing =
    lookup(ctx.store, target.def, target.namespace, key.name) ??
    refuse(notFound(target.def, key.name, target.request))
  const uid = metaOf(existing).uid
  if (options?.uid !== undefined && options.uid !== uid)
    refuse(uidPrecondition(target.def, key.name, options.uid, String(uid), target.request))
  // Deleting what is already being deleted changes nothing (the server answers 200).
  if (isDeleting(existing))
    return { target, object: existing, key: keyOf(target, existing), changed: false }
  const extra =
    options?.propagationPolicy === "Orphan"
      ? ["orphan"]
      : options?.propagationPolicy === "Foreground"
        ? ["foregroundDeletion"]
        : []
  const object = beginDelete(ctx.store, target.def, existing, ctx.now, extra)
  return { target, object, key: keyOf(target, object), changed: true }
}
