import { Effect } from "effect"
import type { Entry } from "../inventory/Entry.ts"
import { keyOfEntry } from "../inventory/EntryId.ts"
import { recordMode } from "../inventory/InventoryMode.ts"
import { APPLYSET_PART_OF, FIELD_MANAGER } from "../inventory/Labels.ts"
import { planPrune, pruneVerdict } from "../inventory/PrunePlan.ts"
import type { StageRecord } from "../inventory/StageRecord.ts"
import { InventoryStore } from "../inventory-store/InventoryStore.ts"
import type { KubeClientApi } from "../kube/KubeClient.ts"
import type { KubeObject, ObjectKey } from "../kube/KubeObject.ts"
import { actingAs } from "../programs/actingIdentity.ts"
import { claimedElsewhere } from "../programs/claimedElsewhere.ts"
import { holdsData } from "../programs/conflictPolicy.ts"
import { keyOfObject, keyOfRef } from "../programs/describe.ts"
import { readMembers } from "../programs/phases/readMembers.ts"
import type { RenderedMember } from "../programs/RenderedStage.ts"
import { type CliFailure, failure } from "./CliFailure.ts"
import type { Connection } from "./Cluster.ts"
import { changedFields, type FieldChange } from "./diffObjects.ts"
import { isSecretField, MASK } from "./maskSecrets.ts"
import type { NamedRender } from "./renderNamed.ts"

/** What a reconcile would do to one object. */
export interface ObjectChange {
  readonly action: "create" | "configure" | "delete"
  readonly stage: string
  readonly apiVersion: string
  readonly kind: string
  /** Empty for a cluster-scoped object. */
  readonly namespace: string
  readonly name: string
  /** For configure: what changes (Secret values masked unless asked for). */
  readonly fields: ReadonlyArray<FieldChange>
  /** A delete that destroys data: a PersistentVolumeClaim, PersistentVolume or StatefulSet. */
  readonly stateBearing: boolean
}

export interface StagePreview {
  readonly stage: string
  /** The revision of the render; undefined for a stage that left the spec. */
  readonly revision?: string
  /** Rendered from `--source-dir`. */
  readonly local: boolean
  /** Creates and configures in render order, then deletes. */
  readonly changes: ReadonlyArray<ObjectChange>
  readonly unchanged: number
}

export interface PreviewOptions {
  /** Only these stages (all when empty); stages that left the spec only with all. */
  readonly stages: ReadonlyArray<string>
  readonly showSecrets: boolean
}

const runtime = (what: string) => (error: { readonly message: string }) =>
  failure(`${what}: ${error.message}`)

const getLive = (kube: KubeClientApi, key: ObjectKey) =>
  kube.get(key).pipe(
    Effect.map((o): KubeObject | undefined => o),
    Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
    Effect.mapError(runtime(`cannot read ${key.kind} ${key.namespace ?? ""}/${key.name}`)),
  )

const isStateBearing = (object: KubeObject) =>
  holdsData(object) || (object.apiVersion === "apps/v1" && object.kind === "StatefulSet")

const masked = (object: KubeObject, fields: ReadonlyArray<FieldChange>) =>
  fields.map((field) =>
    isSecretField(object, field.path)
      ? {
          path: field.path,
          before: field.before === undefined ? undefined : MASK,
          after: field.after === undefined ? undefined : MASK,
        }
      : field,
  )

const objectChange = (
  action: ObjectChange["action"],
  stage: string,
  object: KubeObject,
  fields: ReadonlyArray<FieldChange> = [],
): ObjectChange => ({
  action,
  stage,
  apiVersion: object.apiVersion,
  kind: object.kind,
  namespace: object.metadata.namespace ?? "",
  name: object.metadata.name,
  fields,
  stateBearing: action === "delete" && isStateBearing(object),
})

/** The object as the controller would apply it: its ApplySet label when the record has one. */
const desiredOf = (member: RenderedMember, record: StageRecord | undefined): KubeObject => {
  const partOf = record?.applySet?.id
  return partOf === undefined
    ? member.object
    : {
        ...member.object,
        metadata: {
          ...member.object.metadata,
          labels: { ...member.object.metadata.labels, [APPLYSET_PART_OF]: partOf },
        },
      }
}

/**
 * What a reconcile would change, as the controller would do it: each rendered object
 * dry-run applied (server-side, under the controller's field manager, with force and its
 * ApplySet label) and compared with the live one; then what its prune would delete,
 * decided by the controller's prune plan and live checks (ownership, opt-out), including
 * the stages that left the spec. Reads and dry runs use the caller's credentials.
 */
export const previewStageSet = (
  connection: Connection,
  render: NamedRender,
  options: PreviewOptions,
): Effect.Effect<ReadonlyArray<StagePreview>, CliFailure> =>
  Effect.gen(function* () {
    const { kube } = connection
    const { view, rendered } = render
    const wanted = (stage: string) => options.stages.length === 0 || options.stages.includes(stage)
    const records = yield* Effect.flatMap(InventoryStore, (store) =>
      store.listStageSet(view.namespace, view.name),
    ).pipe(Effect.mapError(runtime("cannot read the inventory")))
    const allIds = new Set(rendered.flatMap((s) => s.members.map((m) => m.entry.id)))
    // Read only when something could be pruned, as the controller does.
    const others = yield* claimedElsewhere(view).pipe(
      Effect.mapError(runtime("cannot read the other StageSets' claims")),
      Effect.cached,
    )

    const deletes = (
      stage: string,
      stored: ReadonlyArray<Entry>,
      desired: ReadonlySet<string>,
      pruneEnabled: boolean,
    ) =>
      Effect.gen(function* () {
        if (stored.every((entry) => desired.has(entry.id))) return []
        const plan = planPrune({
          inventory: stored,
          desired,
          otherStagesDesired: new Set([...allIds].filter((id) => !desired.has(id))),
          otherStageSetsInventory: yield* others,
          pruneEnabled,
        })
        const changes: Array<ObjectChange> = []
        for (const entry of plan.candidates) {
          const key = keyOfEntry(entry)
          if (key === undefined) continue
          const target = yield* getLive(kube, keyOfRef(key.ref, key.apiVersion))
          if (target !== undefined && pruneVerdict(target, FIELD_MANAGER) === "Delete")
            changes.push(objectChange("delete", stage, target))
        }
        return changes
      })

    const storedOf = (record: StageRecord) =>
      Effect.map(readMembers(record, recordMode(record) === "applyset"), (members) =>
        members.map((member) => member.entry),
      ).pipe(
        actingAs(view),
        Effect.mapError(runtime(`cannot read the members of stage ${record.stage}`)),
      )

    const previews: Array<StagePreview> = []
    for (const stage of rendered) {
      const name = stage.stage.name
      if (!wanted(name)) continue
      const record = records.find((r) => r.stage === name)
      const applied = yield* Effect.forEach(
        stage.members,
        (member) =>
          Effect.gen(function* () {
            const desired = desiredOf(member, record)
            const live = yield* getLive(kube, keyOfObject(desired))
            if (live === undefined) return objectChange("create", name, desired)
            const dryRun = yield* kube
              .apply(desired, { fieldManager: FIELD_MANAGER, force: true, dryRun: true })
              .pipe(
                Effect.mapError(
                  runtime(
                    `dry run of ${desired.kind} ${live.metadata.namespace ?? ""}/${desired.metadata.name} failed`,
                  ),
                ),
              )
            const fields = changedFields(live, dryRun)
            if (fields.length === 0) return undefined
            return objectChange(
              "configure",
              name,
              live,
              options.showSecrets ? fields : masked(live, fields),
            )
          }),
        { concurrency: 8 },
      )
      const changes = applied.filter((c): c is ObjectChange => c !== undefined)
      const pruned =
        record === undefined
          ? []
          : yield* deletes(
              name,
              yield* storedOf(record),
              new Set(stage.members.map((m) => m.entry.id)),
              stage.stage.prune !== false,
            )
      previews.push({
        stage: name,
        revision: stage.revision,
        local: render.local.has(name),
        changes: [...changes, ...pruned],
        unchanged: stage.members.length - changes.length,
      })
    }
    if (options.stages.length > 0) return previews
    // Stages that left the spec: everything they recorded goes, unless rendered elsewhere.
    const current = new Set(view.stages.map((s) => s.name))
    for (const record of records.filter((r) => !current.has(r.stage))) {
      const changes = yield* deletes(record.stage, yield* storedOf(record), new Set(), true)
      if (changes.length > 0)
        previews.push({ stage: record.stage, local: false, changes, unchanged: 0 })
    }
    return previews
  }).pipe(Effect.provide(connection.services))
