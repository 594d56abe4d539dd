import { Effect } from "effect"
import { stageApplySetId } from "../../inventory/ApplySetId.ts"
import { modeWrites } from "../../inventory/InventoryMode.ts"
import { APPLYSET_PART_OF } from "../../inventory/Labels.ts"
import type { Shard } from "../../inventory/StageRecord.ts"
import { ActingClient } from "../../kube/ActingClient.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { AppliedCache, type AppliedState } from "../AppliedCache.ts"
import { actingServiceAccount } from "../actingIdentity.ts"
import { resolveConflictAction } from "../conflictPolicy.ts"
import { keyOfObject } from "../describe.ts"
import { Readiness } from "../Readiness.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RenderedMember, RenderedStage } from "../RenderedStage.ts"
import type { StageSetView } from "../StageSetView.ts"
import { type AppliedObject, applyObject } from "./applyObject.ts"
import {
  type AppliedEvidence,
  appliedHash,
  listUntouched,
  liveFingerprint,
  type Planned,
} from "./fastPath.ts"
import type { PartOfListing } from "./readMembers.ts"
import { stageTimeout } from "./verifyStage.ts"

const isCrd = (m: RenderedMember) =>
  m.ref.group === "apiextensions.k8s.io" && m.ref.kind === "CustomResourceDefinition"
const isNamespace = (m: RenderedMember) => m.ref.group === "" && m.ref.kind === "Namespace"

/** The object as applied: the ApplySet membership label in hybrid and applyset modes. */
const decorate = (member: RenderedMember, partOf: string | undefined): KubeObject =>
  partOf === undefined
    ? member.object
    : {
        ...member.object,
        metadata: {
          ...member.object.metadata,
          labels: { ...(member.object.metadata.labels ?? {}), [APPLYSET_PART_OF]: partOf },
        },
      }

export interface StageApplyResult {
  /** Live objects (apply responses, or the list that showed them untouched), in render order. */
  readonly live: ReadonlyArray<KubeObject>
  /** How many objects were applied (the fast path and KeepExisting skip some). */
  readonly applied: number
  /** The fast path's LISTs by `part-of` label (see `listUntouched`). */
  readonly listings: ReadonlyArray<PartOfListing>
  /**
   * What this run left live, by entry id: each member's fingerprint (AppliedDigest.ts) of
   * its desired hash with the uid and resourceVersion its apply returned (or that the fast
   * path showed unchanged since), for the shards' digests at settle.
   */
  readonly fingerprints: ReadonlyMap<string, string>
}

/**
 * Apply (semantics.md section 2, step 2), as the acting identity, after record intent:
 * server-side apply of the stage's render under each object's conflict action; Namespaces
 * and CRDs first, wait until the CRDs are Established, then the rest with
 * `--apply-concurrency` requests in flight. Members the fast path shows untouched since
 * they were last applied are not sent again (`reapply` turns that off, for
 * `reconcile-stage`): as this process remembers them, or, when it has applied nothing of
 * the stage yet (a restart), as the applied digests of the stage's `shards` record them.
 */
export const applyStage = Effect.fn("applyStage")(function* (
  stageSet: StageSetView,
  rendered: RenderedStage,
  options: { readonly reapply: boolean; readonly shards?: ReadonlyArray<Shard> } = {
    reapply: false,
  },
) {
  const config = yield* ReconcileConfig
  const readiness = yield* Readiness
  const cache = yield* AppliedCache
  const partOf = modeWrites(config.inventoryMode).partOfLabel
    ? stageApplySetId(stageSet.namespace, stageSet.name, rendered.stage.name)
    : undefined
  const account = actingServiceAccount(stageSet, rendered.stage, config.defaultServiceAccount)
  const address = {
    namespace: stageSet.namespace,
    stageSet: stageSet.name,
    stage: rendered.stage.name,
  }
  const previous = yield* cache.get(address)
  const planned = rendered.members.map((member): Planned => {
    const object = decorate(member, partOf)
    const action = resolveConflictAction(rendered.stage, member.object)
    return { member, object, action, hash: appliedHash(object, action, account) }
  })
  const evidence: AppliedEvidence =
    previous.size === 0 && options.shards?.some((s) => s.digest !== undefined) === true
      ? { _tag: "Digest", shards: options.shards }
      : { _tag: "Cache", states: previous }
  const { untouched, listings } = yield* listUntouched(
    options.reapply
      ? []
      : evidence._tag === "Digest"
        ? planned
        : planned.filter((p) => previous.get(p.member.entry.id)?.hash === p.hash),
    evidence,
    partOf,
  )

  // Only the members to send go through Effect.forEach: a fiber per untouched member cost
  // more than its LIST entry on a no-op reconcile (B2). Results keep the members' order.
  const applyAll = (members: ReadonlyArray<Planned>) =>
    Effect.gen(function* () {
      const results: Array<AppliedObject | undefined> = members.map((p) => {
        const live = untouched.get(p.member.entry.id)
        return live === undefined ? undefined : { live, applied: false }
      })
      const toSend = results.flatMap((r, i) => (r === undefined ? [i] : []))
      const sent = yield* Effect.forEach(
        toSend,
        (i) => applyObject(members[i]!.object, members[i]!.action),
        { concurrency: config.applyConcurrency },
      )
      toSend.forEach((i, k) => {
        results[i] = sent[k]
      })
      return results as ReadonlyArray<AppliedObject>
    })
  const first = planned.filter((p) => isCrd(p.member) || isNamespace(p.member))
  const rest = planned.filter((p) => !isCrd(p.member) && !isNamespace(p.member))
  const firstResults = yield* applyAll(first)
  const crds = first.filter((p) => isCrd(p.member))
  if (crds.length > 0) {
    yield* readiness.waitReady(
      crds.map((p) => keyOfObject(p.object)),
      stageTimeout(stageSet, rendered, config.defaultTimeout),
      firstResults.map((r) => r.live),
    )
    // The kinds these CRDs define are served now; the process's cached RESTMapper must see them.
    if (crds.some((p) => !untouched.has(p.member.entry.id)))
      yield* Effect.flatMap(ActingClient, (kube) => kube.invalidateDiscovery)
  }
  const restResults = yield* applyAll(rest)
  const results = [...first, ...rest].map((p, i) => ({
    planned: p,
    result: (i < first.length ? firstResults[i] : restResults[i - first.length])!,
  }))

  const states = new Map<string, AppliedState>()
  const fingerprints = new Map<string, string>()
  for (const { planned: p, result } of results) {
    const { uid, resourceVersion } = result.live.metadata
    const fp = liveFingerprint(p, result.live)
    if (uid === undefined || resourceVersion === undefined || fp === undefined) continue
    // Untouched: the live version is the one an earlier apply returned.
    if (result.applied || untouched.has(p.member.entry.id))
      states.set(p.member.entry.id, { hash: p.hash, uid, resourceVersion })
    // KeepExisting's existing objects too: skipping one unchanged does what it would do.
    fingerprints.set(p.member.entry.id, fp)
  }
  yield* cache.set(address, states)

  const byId = new Map(results.map(({ planned: p, result }) => [p.member.entry.id, result]))
  const ordered = rendered.members.map((m) => byId.get(m.entry.id)!)
  return {
    live: ordered.map((r) => r.live),
    applied: ordered.filter((r) => r.applied).length,
    listings,
    fingerprints,
  } satisfies StageApplyResult
})
