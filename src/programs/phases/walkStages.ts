import { Effect } from "effect"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import { redact } from "../../render/postBuild/redact.ts"
import { actingAs } from "../actingIdentity.ts"
import { type Failure, failureOf } from "../failureReason.ts"
import type { RenderedStage } from "../RenderedStage.ts"
import type { RunEvent } from "../RunEvent.ts"
import type { StageSetView } from "../StageSetView.ts"
import { applyStage } from "./applyStage.ts"
import type { PartOfListing } from "./readMembers.ts"
import { recordIntent } from "./recordIntent.ts"
import { memberCount, type StageProgress } from "./StageProgress.ts"
import { verifyStage } from "./verifyStage.ts"

export interface WalkResult {
  /** Each current stage's record after record intent (or as read, for stages not reached). */
  readonly records: ReadonlyMap<string, StageRecord>
  /** The fast path's LISTs per stage, for the prune phase's ApplySet discovery. */
  readonly listings: ReadonlyMap<string, ReadonlyArray<PartOfListing>>
  /** Each applied stage's member fingerprints by entry id, for its settle's shard digests. */
  readonly fingerprints: ReadonlyMap<string, ReadonlyMap<string, string>>
  /** The failure that stopped the walk; undefined when every stage is Ready. */
  readonly failure: Failure | undefined
  readonly applied: number
  readonly events: ReadonlyArray<RunEvent>
}

/**
 * The walk (semantics.md section 1, step 5): the stages in `spec.stages` order, each one
 * recorded, applied and verified only after the one before is Ready. A failed stage stops
 * the walk; the stages after it keep what they had. Nothing is pruned here.
 */
export const walkStages = Effect.fn("walkStages")(function* (
  stageSet: StageSetView,
  rendered: ReadonlyArray<RenderedStage>,
  current: ReadonlyMap<string, StageRecord>,
  progress: StageProgress,
) {
  const records = new Map(current)
  const listings = new Map<string, ReadonlyArray<PartOfListing>>()
  const fingerprints = new Map<string, ReadonlyMap<string, string>>()
  const events: Array<RunEvent> = []
  let applied = 0
  // `reconcile-stage`: that stage and every one after it apply every object again.
  const request = stageSet.reconcileStage
  const forcedFrom = rendered.findIndex((r) => r.stage.name === request?.stage)

  for (const [i, stage] of rendered.entries()) {
    const name = stage.stage.name
    // What the status says this stage applied before this run (section 6.2 needs it).
    const appliedBefore = progress.stages()[i]?.appliedRevision !== undefined
    yield* progress.set(i, { phase: "Applying", message: "" })
    const outcome = yield* Effect.either(
      Effect.gen(function* () {
        const { record, event } = yield* recordIntent(
          stageSet,
          stage,
          records.get(name)!,
          appliedBefore,
        )
        if (event !== undefined) events.push(event)
        records.set(name, record)
        const result = yield* applyStage(stageSet, stage, {
          reapply: forcedFrom >= 0 && i >= forcedFrom,
          shards: record.shards,
        })
        listings.set(name, result.listings)
        fingerprints.set(name, result.fingerprints)
        applied += result.applied
        // Reported only if the stage has to wait: a stage whose objects are all ready in
        // the apply responses goes from Applying to Ready (one status write fewer per stage).
        progress.note(i, {
          phase: "Verifying",
          appliedRevision: stage.revision,
          entriesCount: memberCount(record, stage.members.length),
          shards: record.shards.length,
        })
        yield* verifyStage(stageSet, stage, result.live, progress.flush)
      }).pipe(
        // Everything on the stage's behalf (label lookups, applies, readiness) as its
        // identity; the inventory and status writes use the controller's own services.
        actingAs(stageSet, stage.stage),
        Effect.annotateLogs({ stage: name }),
      ),
    )
    if (outcome._tag === "Left") {
      const cause = failureOf(outcome.left)
      // The API server may echo a field value that postBuild took from a Secret.
      const failure = {
        ...cause,
        message: redact(`stage ${name}: ${cause.message}`, stage.secret ?? []),
      }
      yield* progress.set(i, { phase: "Failed", message: failure.message })
      events.push({ type: "Warning", reason: failure.reason, message: failure.message })
      return {
        records,
        listings,
        fingerprints,
        failure,
        applied,
        events,
      } satisfies WalkResult
    }
    // Not written on its own: the next stage's Applying, or the run's final status, carries
    // it a moment later (one status write fewer per stage).
    progress.note(i, {
      phase: "Ready",
      message: `${stage.members.length} objects ready`,
      // A `<stage>@<token>` request is handled once its stage is Ready again.
      ...(i === forcedFrom && request?.token !== undefined
        ? { lastHandledReconcileAt: request.token }
        : {}),
    })
  }
  return {
    records,
    listings,
    fingerprints,
    failure: undefined,
    applied,
    events,
  } satisfies WalkResult
})
