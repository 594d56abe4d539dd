import { Effect } from "effect"
import { keyOfEntry } from "../../inventory/EntryId.ts"
import { deletionTiers, planPrune } from "../../inventory/PrunePlan.ts"
import type { Member } from "../../inventory/RecordPlan.ts"
import type { ActingClient } from "../../kube/ActingClient.ts"
import type { KubeError } from "../../kube/KubeError.ts"
import { describeRef, keyOfRef } from "../describe.ts"
import { deleteIfOurs } from "./deleteIfOurs.ts"

export interface PruneStageInput {
  readonly stage: string
  /** Everything the stored record accounts for (entries ∪ ApplySet discovery). */
  readonly members: ReadonlyArray<Member>
  /** Ids this stage renders now (empty for a stage that left `spec.stages`). */
  readonly desired: ReadonlySet<string>
  readonly otherStagesDesired: ReadonlySet<string>
  /** Computed only when something is left to prune: ids in other StageSets' inventories. */
  readonly otherStageSetsInventory: Effect.Effect<ReadonlySet<string>, KubeError>
  readonly pruneEnabled: boolean
  readonly concurrency: number
}

export interface PruneStageResult {
  readonly deleted: ReadonlyArray<Member>
  /** Candidates whose delete failed: they stay recorded so the next run retries them. */
  readonly failed: ReadonlyArray<{ readonly member: Member; readonly message: string }>
  /** Skipped by a live check (opt-out, no longer ours) or already gone: dropped from the record. */
  readonly skipped: ReadonlyArray<{ readonly member: Member; readonly why: string }>
}

type Outcome =
  | { readonly _tag: "Deleted"; readonly member: Member }
  | { readonly _tag: "Skipped"; readonly member: Member; readonly why: string }
  | { readonly _tag: "Failed"; readonly member: Member; readonly message: string }

/**
 * Deletes what a stage's record still lists but no stage renders any more (semantics.md
 * section 2, step 3). Each candidate is read fresh right before its delete, so an opt-out
 * or a takeover by another tool is seen, and deleted with a uid precondition so an object
 * recreated meanwhile by someone else is left alone. Namespaced objects go before the
 * cluster-scoped ones, Namespaces and CRDs last.
 */
export const pruneStage = Effect.fn("pruneStage")(function* (input: PruneStageInput) {
  const membersById = new Map(input.members.map((m) => [m.entry.id, m]))
  const unrendered = input.members.some(
    (m) => !input.desired.has(m.entry.id) && !input.otherStagesDesired.has(m.entry.id),
  )
  const others = unrendered ? yield* input.otherStageSetsInventory : new Set<string>()
  const plan = planPrune({
    inventory: input.members.map((m) => m.entry),
    desired: input.desired,
    otherStagesDesired: input.otherStagesDesired,
    otherStageSetsInventory: others,
    pruneEnabled: input.pruneEnabled,
  })
  const candidates = plan.candidates.flatMap((entry) => {
    const member = membersById.get(entry.id)
    return member === undefined ? [] : [{ ...member.ref, member }]
  })

  const pruneOne = (member: Member): Effect.Effect<Outcome, never, ActingClient> => {
    const key = keyOfEntry(member.entry)
    if (key === undefined)
      return Effect.succeed({ _tag: "Skipped", member, why: "malformed entry" })
    return Effect.map(deleteIfOurs(keyOfRef(member.ref, key.apiVersion)), (outcome): Outcome => {
      switch (outcome._tag) {
        case "Deleted":
          return { _tag: "Deleted", member }
        case "Skipped":
          return { _tag: "Skipped", member, why: outcome.why }
        case "Failed":
          return {
            _tag: "Failed",
            member,
            message: `${describeRef(member.ref)}: ${outcome.error.message}`,
          }
      }
    })
  }

  const outcomes: Array<Outcome> = []
  for (const tier of deletionTiers(candidates)) {
    outcomes.push(
      ...(yield* Effect.forEach(tier, (c) => pruneOne(c.member), {
        concurrency: input.concurrency,
      })),
    )
  }
  if (outcomes.length > 0)
    yield* Effect.logDebug("pruned stage").pipe(
      Effect.annotateLogs({ stage: input.stage, candidates: outcomes.length }),
    )
  return {
    deleted: outcomes.flatMap((o) => (o._tag === "Deleted" ? [o.member] : [])),
    failed: outcomes.flatMap((o) =>
      o._tag === "Failed" ? [{ member: o.member, message: o.message }] : [],
    ),
    skipped: [
      ...outcomes.flatMap((o) => (o._tag === "Skipped" ? [{ member: o.member, why: o.why }] : [])),
      ...plan.handedOver.flatMap((e) => {
        const member = membersById.get(e.id)
        return member === undefined ? [] : [{ member, why: "HandedOver" }]
      }),
    ],
  } satisfies PruneStageResult
})
