import { Effect } from "effect"
import { stageApplySetId } from "../inventory/ApplySetId.ts"
import { modeWrites } from "../inventory/InventoryMode.ts"
import { APPLYSET_PART_OF, applySetTooling } from "../inventory/Labels.ts"
import { type ApplySetIdentity, intentRecord } from "../inventory/RecordPlan.ts"
import type { StageRecord } from "../inventory/StageRecord.ts"
import { InventoryStore } from "../inventory-store/InventoryStore.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../kube/KubeObject.ts"
import { applyObject } from "./applyObject.ts"
import { resolveConflictAction } from "./conflictPolicy.ts"
import { keyOfObject } from "./describe.ts"
import { Readiness } from "./Readiness.ts"
import { ReconcileConfig } from "./ReconcileConfig.ts"
import type { RenderedMember, RenderedStage } from "./RenderedStage.ts"
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
  /** Live objects returned by the API server, in render order. */
  readonly live: ReadonlyArray<KubeObject>
  /** How many objects were applied (KeepExisting may skip some). */
  readonly applied: number
}

/**
 * Steps 1 and 2 of one stage (semantics.md section 2): record intent (I ∪ D, before any
 * write to a member), then server-side apply: Namespaces and CRDs first, wait until the
 * CRDs are Established, then the rest with `--apply-concurrency` requests in flight.
 */
export const applyStage = Effect.fn("applyStage")(function* (
  stageSet: StageSetView,
  rendered: RenderedStage,
  current: StageRecord,
) {
  const config = yield* ReconcileConfig
  const store = yield* InventoryStore
  const kube = yield* KubeClient
  const readiness = yield* Readiness
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
  const applyAll = (members: ReadonlyArray<RenderedMember>) =>
    Effect.forEach(
      members,
      (member) =>
        applyObject(decorate(member, partOf), resolveConflictAction(rendered.stage, member.object)),
      { concurrency: config.applyConcurrency },
    )
  const first = rendered.members.filter((m) => isCrd(m) || isNamespace(m))
  const rest = rendered.members.filter((m) => !isCrd(m) && !isNamespace(m))
  const firstResults = yield* applyAll(first)
  const crds = first.filter(isCrd)
  if (crds.length > 0) {
    yield* readiness.waitReady(
      crds.map((m) => keyOfObject(m.object)),
      timeoutOf(stageSet, rendered, config.defaultTimeout),
    )
    // The kinds these CRDs define are served now; the cached RESTMapper must see them.
    yield* kube.invalidateDiscovery
  }
  const restResults = yield* applyAll(rest)
  const results = [...firstResults, ...restResults]
  return {
    record,
    live: results.map((r) => r.live),
    applied: results.filter((r) => r.applied).length,
  } satisfies StageApplyResult
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
  yield* readiness.waitReady(keys, timeoutOf(stageSet, rendered, config.defaultTimeout))
})
