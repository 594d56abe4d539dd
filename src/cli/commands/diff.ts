import { Args, Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { keyOfEntry } from "../../inventory/EntryId.ts"
import { recordMode } from "../../inventory/InventoryMode.ts"
import { APPLYSET_PART_OF, FIELD_MANAGER } from "../../inventory/Labels.ts"
import { planPrune, pruneVerdict } from "../../inventory/PrunePlan.ts"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import type { KubeClientApi } from "../../kube/KubeClient.ts"
import type { KubeError } from "../../kube/KubeError.ts"
import type { KubeObject, ObjectKey } from "../../kube/KubeObject.ts"
import { actingAs } from "../../programs/actingIdentity.ts"
import { describeRef, keyOfObject, keyOfRef } from "../../programs/describe.ts"
import { readMembers } from "../../programs/phases/readMembers.ts"
import { renderStageSet } from "../../programs/renderStageSet.ts"
import { viewOf } from "../../programs/stageSet/observeStageSet.ts"
import { type CliFailure, failure } from "../CliFailure.ts"
import { type Connection, connect } from "../Cluster.ts"
import { changedPaths } from "../diffObjects.ts"
import { clusterOptions, namespaceOption } from "../flags.ts"
import { getStageSet } from "../stageSets.ts"

/** diff exits above 1 on errors (api.md), like `kubectl diff`. */
const EXIT_DIFF_ERROR = 2

const errorOf = (what: string) => (error: { readonly message: string }) =>
  failure(`${what}: ${error.message}`, EXIT_DIFF_ERROR)

const getLive = (kube: KubeClientApi, key: ObjectKey) =>
  kube.get(key).pipe(
    Effect.map((o): KubeObject | undefined => o),
    Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
  )

export interface Change {
  readonly action: "create" | "configure" | "delete"
  readonly stage: string
  readonly object: string
  readonly fields: ReadonlyArray<string>
}

export const formatChange = (change: Change): string => {
  const sign = change.action === "create" ? "+" : change.action === "delete" ? "-" : "~"
  const fields = change.fields.length === 0 ? "" : ` (${change.fields.join(", ")})`
  return `${sign} ${change.action} ${change.object} [stage ${change.stage}]${fields}`
}

const computeChanges = (connection: Connection, name: string) =>
  Effect.gen(function* () {
    const { kube, namespace } = connection
    const live = yield* getStageSet(kube, namespace, name)
    const view = yield* viewOf(live).pipe(Effect.mapError(errorOf(`stageset "${name}" is invalid`)))
    const rendered = yield* renderStageSet(view).pipe(Effect.mapError(errorOf("render failed")))
    const records = yield* Effect.flatMap(InventoryStore, (store) =>
      store.listStageSet(namespace, name),
    ).pipe(Effect.mapError(errorOf("cannot read the inventory")))
    const changes: Array<Change> = []
    const allIds = new Set(rendered.flatMap((s) => s.members.map((m) => m.entry.id)))
    for (const stage of rendered) {
      const record = records.find((r) => r.stage === stage.stage.name)
      const partOf = record?.applySet?.id
      for (const member of stage.members) {
        const desired: KubeObject =
          partOf === undefined
            ? member.object
            : {
                ...member.object,
                metadata: {
                  ...member.object.metadata,
                  labels: { ...member.object.metadata.labels, [APPLYSET_PART_OF]: partOf },
                },
              }
        const object = `${member.object.apiVersion} ${describeRef(member.ref)}`
        const current = yield* getLive(kube, keyOfObject(desired))
        if (current === undefined) {
          changes.push({ action: "create", stage: stage.stage.name, object, fields: [] })
          continue
        }
        const dryRun = yield* kube.apply(desired, {
          fieldManager: FIELD_MANAGER,
          force: true,
          dryRun: true,
        })
        const fields = changedPaths(current, dryRun)
        if (fields.length > 0)
          changes.push({ action: "configure", stage: stage.stage.name, object, fields })
      }
      if (record === undefined) continue
      // As the controller prunes a record in its mode (the CLI does not know the flag).
      const stored = (yield* readMembers(record, recordMode(record) === "applyset").pipe(
        actingAs(view),
      )).map((member) => member.entry)
      const desiredIds = new Set(stage.members.map((m) => m.entry.id))
      const plan = planPrune({
        inventory: stored,
        desired: desiredIds,
        otherStagesDesired: new Set([...allIds].filter((id) => !desiredIds.has(id))),
        otherStageSetsInventory: new Set(),
        pruneEnabled: stage.stage.prune !== false,
      })
      for (const entry of plan.candidates) {
        const key = keyOfEntry(entry)
        if (key === undefined) continue
        const target = yield* getLive(kube, keyOfRef(key.ref, key.apiVersion))
        if (pruneVerdict(target, FIELD_MANAGER) === "Delete")
          changes.push({
            action: "delete",
            stage: stage.stage.name,
            object: `${key.apiVersion} ${describeRef(key.ref)}`,
            fields: [],
          })
      }
    }
    return changes
  }).pipe(Effect.provide(connection.services))

export const diffCommand = Command.make(
  "diff",
  {
    ...clusterOptions,
    namespace: namespaceOption,
    stageSet: Args.text({ name: "stageset" }).pipe(Args.withDescription("The StageSet.")),
  },
  (flags) =>
    Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* connect(flags, flags.namespace)
        const changes = yield* computeChanges(cluster, flags.stageSet).pipe(
          Effect.catchIf(
            (error): error is KubeError => error._tag !== "CliFailure",
            (error) => Effect.fail(errorOf("diff failed")(error)),
          ),
          // Every failure of diff is above 1, so that 1 always means "differences found".
          Effect.mapError((error: CliFailure) =>
            error.exitCode === EXIT_DIFF_ERROR ? error : failure(error.message, EXIT_DIFF_ERROR),
          ),
        )
        if (changes.length === 0)
          return yield* Console.log(`stageset "${flags.stageSet}": no changes`)
        yield* Console.log(changes.map(formatChange).join("\n"))
        return yield* failure("", 1)
      }),
    ),
).pipe(
  Command.withDescription(
    "Show what a reconcile would change (server-side dry run of the render, plus the prune set). Exit 0: no changes, 1: changes, >1: error.",
  ),
)
