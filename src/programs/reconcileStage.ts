import { createHash } from "node:crypto"
import { Effect } from "effect"
import { stageApplySetId } from "../inventory/ApplySetId.ts"
import { modeWrites } from "../inventory/InventoryMode.ts"
import { APPLYSET_PART_OF, applySetTooling } from "../inventory/Labels.ts"
import { type ApplySetIdentity, intentRecord } from "../inventory/RecordPlan.ts"
import type { StageRecord } from "../inventory/StageRecord.ts"
import { InventoryStore } from "../inventory-store/InventoryStore.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../kube/KubeObject.ts"
import { AppliedCache, type AppliedState } from "./AppliedCache.ts"
import { type AppliedObject, applyObject } from "./applyObject.ts"
import { type ResolvedAction, resolveConflictAction } from "./conflictPolicy.ts"
import { keyOfObject } from "./describe.ts"
import { Readiness } from "./Readiness.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import type { RenderedMember, RenderedStage } from "./RenderedStage.ts"
import type { PartOfListing } from "./readMembers.ts"
import type { StageSetView } from "./StageSetView.ts"

export const stageIdentity = (
  namespace: string,
  stageSet: string,
  stage: string,
  version: string,
): ApplySetIdentity => ({
  id: stageApplySetId(namespace, stageSet, stage),
  tooling: applySetTooling(version),
  namespace,
})

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
  /** The stored record after record-intent. */
  readonly record: StageRecord
  /** Live objects (apply responses, or the list that showed them untouched), in render order. */
  readonly live: ReadonlyArray<KubeObject>
  /** How many objects were applied (the fast path and KeepExisting skip some). */
  readonly applied: number
  /**
   * The fast path's LISTs by `part-of` label, taken before this run's applies: the prune
   * phase's ApplySet discovery reuses them. Anything not in them that carries the label was
   * applied by this run, so it is desired and no prune candidate.
   */
  readonly listings: ReadonlyArray<PartOfListing>
}

/** One member as this run applies it. */
interface Planned {
  readonly member: RenderedMember
  readonly object: KubeObject
  readonly action: ResolvedAction
  readonly hash: string
}

/**
 * Steps 1 and 2 of one stage (semantics.md section 2): record intent (I ∪ D, before any
 * write to a member), then server-side apply: Namespaces and CRDs first, wait until the
 * CRDs are Established, then the rest with `--apply-concurrency` requests in flight.
 *
 * No-op fast path (performance.md): a member whose desired hash equals the one this process
 * last applied, and whose live uid and resourceVersion (one LIST per group-kind and
 * namespace) still equal what that apply returned, is not applied again. Any change by
 * anyone moves the resourceVersion, so drift is still corrected on every reconcile.
 */
export const applyStage = Effect.fn("applyStage")(function* (
  stageSet: StageSetView,
  rendered: RenderedStage,
  current: StageRecord,
  /** `reapply`: skip the fast path and apply every object (`reconcile-stage`). */
  options: { readonly reapply: boolean } = { reapply: false },
) {
  const config = yield* ReconcileConfig
  const store = yield* InventoryStore
  const kube = yield* KubeClient
  const readiness = yield* Readiness
  const cache = yield* AppliedCache
  const identity = stageIdentity(
    stageSet.namespace,
    stageSet.name,
    rendered.stage.name,
    config.version,
  )
  const intent = intentRecord(
    current,
    rendered.position,
    rendered.members,
    config.inventoryMode,
    identity,
  )
  const record = yield* store.writeStage(current, intent, config.shardCap)

  const partOf = modeWrites(config.inventoryMode).partOfLabel ? identity.id : undefined
  const address = {
    namespace: stageSet.namespace,
    stageSet: stageSet.name,
    stage: rendered.stage.name,
  }
  const previous = yield* cache.get(address)
  const planned = rendered.members.map((member): Planned => {
    const object = decorate(member, partOf)
    const action = resolveConflictAction(rendered.stage, member.object)
    return { member, object, action, hash: appliedHash(object, action, stageSet) }
  })
  const { untouched, listings } = yield* listUntouched(
    options.reapply ? [] : planned.filter((p) => previous.get(p.member.entry.id)?.hash === p.hash),
    previous,
    partOf,
  )

  const applyAll = (members: ReadonlyArray<Planned>) =>
    Effect.forEach(
      members,
      (p) => {
        const live = untouched.get(p.member.entry.id)
        return live === undefined
          ? applyObject(p.object, p.action)
          : Effect.succeed<AppliedObject>({ live, applied: false })
      },
      { concurrency: config.applyConcurrency },
    )
  const first = planned.filter((p) => isCrd(p.member) || isNamespace(p.member))
  const rest = planned.filter((p) => !isCrd(p.member) && !isNamespace(p.member))
  const firstResults = yield* applyAll(first)
  const crds = first.filter((p) => isCrd(p.member))
  if (crds.length > 0) {
    yield* readiness.waitReady(
      crds.map((p) => keyOfObject(p.object)),
      timeoutOf(stageSet, rendered, config.defaultTimeout),
      firstResults.map((r) => r.live),
    )
    // The kinds these CRDs define are served now; the cached RESTMapper must see them.
    if (crds.some((p) => !untouched.has(p.member.entry.id))) yield* kube.invalidateDiscovery
  }
  const restResults = yield* applyAll(rest)
  const results = [...first, ...rest].map((p, i) => ({
    planned: p,
    result: (i < first.length ? firstResults[i] : restResults[i - first.length])!,
  }))

  const states = new Map<string, AppliedState>()
  for (const { planned: p, result } of results) {
    const kept = previous.get(p.member.entry.id)
    if (untouched.has(p.member.entry.id) && kept !== undefined) states.set(p.member.entry.id, kept)
    else if (result.applied) {
      const { uid, resourceVersion } = result.live.metadata
      if (uid !== undefined && resourceVersion !== undefined)
        states.set(p.member.entry.id, { hash: p.hash, uid, resourceVersion })
    }
  }
  yield* cache.set(address, states)

  const byId = new Map(results.map(({ planned: p, result }) => [p.member.entry.id, result]))
  const ordered = rendered.members.map((m) => byId.get(m.entry.id)!)
  return {
    record,
    live: ordered.map((r) => r.live),
    applied: ordered.filter((r) => r.applied).length,
    listings,
  } satisfies StageApplyResult
})

/** The digest the fast path compares: what is applied, how, and as whom. */
const appliedHash = (object: KubeObject, action: ResolvedAction, stageSet: StageSetView) =>
  createHash("sha256")
    .update(JSON.stringify([object, action, stageSet.serviceAccountName ?? null]))
    .digest("base64url")

/**
 * The candidates whose live uid and resourceVersion are still the ones our last apply
 * returned, by entry id. One LIST per (apiVersion, kind, namespace): by the ApplySet
 * part-of label when members carry it, else the namespace's objects of that kind (or the
 * one object by name). A list that fails (a kind no longer served, a list the identity may
 * not do) only means those members are applied again, which is always correct.
 */
const listUntouched = (
  candidates: ReadonlyArray<Planned>,
  previous: ReadonlyMap<string, AppliedState>,
  partOf: string | undefined,
) =>
  Effect.gen(function* () {
    const untouched = new Map<string, KubeObject>()
    const listings: Array<PartOfListing> = []
    if (candidates.length === 0) return { untouched, listings }
    const kube = yield* KubeClient
    const config = yield* ReconcileConfig
    const groups = new Map<string, Array<Planned>>()
    for (const p of candidates) {
      const id = `${p.object.apiVersion}|${p.object.kind}|${p.object.metadata.namespace ?? ""}`
      groups.set(id, [...(groups.get(id) ?? []), p])
    }
    yield* Effect.forEach(
      groups.values(),
      (members) => {
        const first = members[0]!.object
        const namespace = first.metadata.namespace
        const options = {
          ...(namespace === undefined || namespace === "" ? {} : { namespace }),
          ...(partOf !== undefined
            ? { labelSelector: `${APPLYSET_PART_OF}=${partOf}` }
            : members.length === 1
              ? { fieldSelector: `metadata.name=${first.metadata.name}` }
              : {}),
        }
        return kube.list({ apiVersion: first.apiVersion, kind: first.kind }, options).pipe(
          Effect.andThen((list) => {
            if (partOf !== undefined)
              listings.push({
                applySetId: partOf,
                apiVersion: first.apiVersion,
                kind: first.kind,
                namespace: options.namespace,
                items: list.items,
              })
            const byName = new Map(list.items.map((o) => [o.metadata.name, o]))
            for (const p of members) {
              const live = byName.get(p.object.metadata.name)
              const state = previous.get(p.member.entry.id)
              if (
                live !== undefined &&
                state !== undefined &&
                live.metadata.uid === state.uid &&
                live.metadata.resourceVersion === state.resourceVersion
              )
                untouched.set(p.member.entry.id, live)
            }
            return Effect.void
          }),
          Effect.catchAll((error) =>
            Effect.logDebug("fast path list failed; applying these members").pipe(
              Effect.annotateLogs({ kind: first.kind, error: error.message }),
            ),
          ),
        )
      },
      { concurrency: Math.min(4, config.applyConcurrency), discard: true },
    )
    return { untouched, listings }
  })

/** The verify timeout ladder: readyChecks.timeout > stages[].timeout > spec.timeout > default. */
export const timeoutOf = (
  stageSet: StageSetView,
  rendered: RenderedStage,
  fallback: import("effect").Duration.Duration,
) => rendered.stage.readyChecks?.timeout ?? rendered.stage.timeout ?? stageSet.timeout ?? fallback

/** Step 5: wait until every object of the stage and its extra readyChecks is ready. */
export const verifyStage = Effect.fn("verifyStage")(function* (
  stageSet: StageSetView,
  rendered: RenderedStage,
  /** Live objects from the apply step: their status needs no GET. */
  known: ReadonlyArray<KubeObject> = [],
) {
  const config = yield* ReconcileConfig
  const readiness = yield* Readiness
  if (rendered.stage.readyChecks?.disableWait === true) return
  const checks: Array<ObjectKey> = (rendered.stage.readyChecks?.checks ?? []).map((c) => ({
    apiVersion: c.apiVersion,
    kind: c.kind,
    name: c.name,
    ...(c.namespace === undefined ? {} : { namespace: c.namespace }),
  }))
  const keys = [...rendered.members.map((m) => keyOfObject(m.object)), ...checks]
  if (keys.length === 0) return
  yield* readiness.waitReady(keys, timeoutOf(stageSet, rendered, config.defaultTimeout), known)
})
