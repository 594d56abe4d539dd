import { Context } from "effect"
import type { KubeClientApi } from "./KubeClient.ts"

/**
 * The client of the identity acting for a StageSet (semantics.md section 9): the same
 * API as `KubeClient`, under another tag, so a program's requirements say whose rights a
 * call uses. `KubeClient` is the controller's own identity, for the controller's own
 * objects (the StageSet, its StageInventories, Events, Leases and the reads that decide
 * ownership across StageSets); `ActingClient` is for everything done on behalf of the
 * StageSet: applies, prune reads and deletes, teardown deletes and waits.
 *
 * It is never provided by a composition root: a run provides it per stage from
 * `KubeClient` (see `programs/actingIdentity.ts`), since the identity depends on the
 * StageSet.
 */
export class ActingClient extends Context.Tag("stageset/ActingClient")<
  ActingClient,
  KubeClientApi
>() {}
