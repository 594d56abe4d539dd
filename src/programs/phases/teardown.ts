import { type Duration, Effect } from "effect"
import type { KubeConfigReference } from "../../../schemas/StageSet.ts"
import { deletionTiers } from "../../inventory/PrunePlan.ts"
import type { Member } from "../../inventory/RecordPlan.ts"
import { recordedEntries } from "../../inventory/StageRecord.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import type { ActingClient } from "../../kube/ActingClient.ts"
import { KubeClient } from "../../kube/KubeClient.ts"
import type { ObjectKey } from "../../kube/KubeObject.ts"
import { actingAs } from "../actingIdentity.ts"
import { describeRef, keyOfRef } from "../describe.ts"
import { TeardownFailed } from "../errors/TeardownFailed.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RunEvent } from "../RunEvent.ts"
import { adoptLegacyShards } from "./adoptLegacyShards.ts"
import { deleteIfOurs } from "./deleteIfOurs.ts"
import { malformedEntryEvents } from "./malformedEntryEvents.ts"
import { prunesDiscovered, readMembers } from "./readMembers.ts"
import { waitGone } from "./waitGone.ts"

export interface TeardownInput {
  readonly namespace: string
  readonly name: string
  /** Whose rights each stage's teardown uses (semantics.md section 9), from the StageSet. */
  readonly identity: TeardownIdentity
  /** How long to wait for one stage's objects to disappear. */
  readonly stageTimeout: (stage: string) => Duration.Duration
  readonly concurrency: number
}

export interface TeardownResult {
  /** What to report, also when a stage failed (TeardownForced of the stages before it). */
  readonly events: ReadonlyArray<RunEvent>
  /** The stage that could not be torn down; the teardown stops there and is retried. */
  readonly failure: TeardownFailed | undefined
}

/** The identity fields of a StageSet, as teardown needs them (see `teardownIdentity`). */
export interface TeardownIdentity {
  readonly namespace: string
  readonly serviceAccountName?: string
  /** The remote cluster the objects went to (`spec.kubeConfig`); absent: this one. */
  readonly kubeConfig?: KubeConfigReference
  readonly stages: ReadonlyArray<{ readonly name: string; readonly serviceAccountName?: string }>
}

type Deletion =
  | { readonly _tag: "Deleted"; readonly key: ObjectKey }
  | { readonly _tag: "Skipped" }
  | { readonly _tag: "Forced"; readonly what: string; readonly message: string }
  | { readonly _tag: "Failed"; readonly what: string; readonly message: string }

/**
 * Teardown of a deleted StageSet (semantics.md section 5): stored inventories in reverse
 * stagePosition order (from the inventories, not the spec, which may have changed); each
 * stage's objects are deleted and gone before its shards are deleted and before the stage
 * below it starts. Opted-out objects, objects handed to another StageSet and objects
 * another tool took over are left alone. Returns the events to report and the stage that
 * could not be torn down, if any; the caller removes the finalizer once none failed.
 * Label lookups, deletes and waits run as each stage's identity; the inventories and the
 * namespace check are the controller's own reads.
 */
export const teardown = Effect.fn("teardown")(function* (input: TeardownInput) {
  const kube = yield* KubeClient
  const store = yield* InventoryStore
  const config = yield* ReconcileConfig
  const events: Array<RunEvent> = []
  // Shards the Go implementation wrote are adopted first: the teardown then reads one record.
  const { records: listed, events: adopted } = yield* adoptLegacyShards(
    yield* store.listStageSet(input.namespace, input.name),
  )
  events.push(...adopted)
  const records = [...listed].sort((a, b) => b.position - a.position)
  if (records.length === 0) return { events, failure: undefined } satisfies TeardownResult
  events.push(...malformedEntryEvents(input.name, records, "released"))
  const others = new Set(
    (yield* store.listAll())
      .filter((r) => !(r.namespace === input.namespace && r.stageSet === input.name))
      .flatMap((r) => recordedEntries(r).map((e) => e.id)),
  )
  // In a terminating namespace our ServiceAccount may already be gone: never block it forever.
  const namespaceTerminating = yield* kube
    .get({ apiVersion: "v1", kind: "Namespace", name: input.namespace })
    .pipe(
      Effect.map((ns) => ns.metadata.deletionTimestamp !== undefined),
      Effect.catchTag("KubeNotFound", () => Effect.succeed(true)),
    )

  const deleteOne = (member: Member): Effect.Effect<Deletion, never, ActingClient> => {
    const what = describeRef(member.ref)
    return Effect.map(deleteIfOurs(keyOfRef(member.ref, member.entry.v)), (outcome): Deletion => {
      switch (outcome._tag) {
        case "Deleted":
          return { _tag: "Deleted", key: outcome.key }
        case "Skipped":
          return { _tag: "Skipped" }
        case "Failed":
          return namespaceTerminating && outcome.error._tag === "KubeForbidden"
            ? { _tag: "Forced", what, message: outcome.error.message }
            : { _tag: "Failed", what, message: outcome.error.message }
      }
    })
  }

  for (const record of records) {
    // The label lookup, the deletes and the waits are the stage's identity's (a stage no
    // longer in the spec: the StageSet's); a forged record cannot borrow the controller's.
    const stage = input.identity.stages.find((s) => s.name === record.stage)
    const outcomes = yield* Effect.gen(function* () {
      // An identity that may not list: the entries (kept in every mode) still name every
      // member. In a terminating namespace (a dead identity) the namespace takes the rest
      // with it; elsewhere the stage holds, naming the lookup, after deleting what it can.
      const outcomes: Array<Deletion> = []
      const members = (yield* readMembers(
        record,
        prunesDiscovered(record, config.inventoryMode),
      ).pipe(
        Effect.catchTag("KubeForbidden", (error) =>
          Effect.zipRight(
            Effect.sync(() => {
              const what = `the ApplySet members of stage ${record.stage}`
              if (namespaceTerminating)
                events.push({
                  type: "Warning",
                  reason: "TeardownForced",
                  message: `gave up looking up ${what} in terminating namespace ${input.namespace}: ${error.message}`,
                })
              else outcomes.push({ _tag: "Failed", what, message: error.message })
            }),
            readMembers(record, false),
          ),
        ),
      )).filter((m) => !others.has(m.entry.id))
      for (const tier of deletionTiers(members.map((m) => ({ ...m.ref, member: m })))) {
        outcomes.push(
          ...(yield* Effect.forEach(tier, (t) => deleteOne(t.member), {
            concurrency: input.concurrency,
          })),
        )
      }
      return outcomes
    }).pipe(actingAs(input.identity, stage))
    for (const o of outcomes)
      if (o._tag === "Forced")
        events.push({
          type: "Warning",
          reason: "TeardownForced",
          message: `gave up deleting ${o.what} in terminating namespace ${input.namespace}: ${o.message}`,
        })
    const failed = outcomes.flatMap((o) => (o._tag === "Failed" ? [`${o.what}: ${o.message}`] : []))
    if (failed.length > 0)
      return {
        events,
        failure: new TeardownFailed({ stage: record.stage, message: failed.join("; ") }),
      } satisfies TeardownResult
    const deleted = outcomes.flatMap((o) => (o._tag === "Deleted" ? [o.key] : []))
    const gone = yield* Effect.either(waitGone(deleted, input.stageTimeout(record.stage))).pipe(
      actingAs(input.identity, stage),
    )
    if (gone._tag === "Left")
      return {
        events,
        failure: new TeardownFailed({
          stage: record.stage,
          message:
            gone.left._tag === "DeleteTimeout"
              ? `still present after deletion: ${gone.left.remaining.join(", ")}`
              : gone.left.message,
        }),
      } satisfies TeardownResult
    yield* store.deleteStage(record)
    events.push({
      type: "Normal",
      reason: "StageTornDown",
      message: `stage ${record.stage}: deleted ${deleted.length} objects and ${record.shards.length} inventory shards`,
    })
  }
  return { events, failure: undefined } satisfies TeardownResult
})
