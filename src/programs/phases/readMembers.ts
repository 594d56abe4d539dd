import { Effect } from "effect"
import type { Entry } from "../../inventory/Entry.ts"
import { entryOf, keyOfEntry, refOf } from "../../inventory/EntryId.ts"
import { type InventoryMode, modeWrites, recordMode } from "../../inventory/InventoryMode.ts"
import { APPLYSET_PART_OF } from "../../inventory/Labels.ts"
import { discoveryGroupKinds, type Member } from "../../inventory/RecordPlan.ts"
import type { StageRecord } from "../../inventory/StageRecord.ts"
import { ActingClient } from "../../kube/ActingClient.ts"
import { formatApiVersion, type KubeObject, parseApiVersion } from "../../kube/KubeObject.ts"

/** The members an entry list names (malformed entries are skipped: they cannot be addressed). */
export const membersOfEntries = (entries: ReadonlyArray<Entry>): Array<Member> =>
  entries.flatMap((entry) => {
    const key = keyOfEntry(entry)
    return key === undefined ? [] : [{ ref: key.ref, entry }]
  })

/** What one LIST by `part-of=<id>` of one kind in one namespace (or cluster scope) returned. */
export interface PartOfListing {
  readonly applySetId: string
  readonly apiVersion: string
  readonly kind: string
  /** Undefined: cluster scope. */
  readonly namespace: string | undefined
  readonly items: ReadonlyArray<KubeObject>
}

/**
 * KEP-3659 discovery: list each group-kind of the parent's `contains-group-kinds`, in the
 * parent namespace and `additional-namespaces` (or cluster scope), selecting
 * `part-of=<id>`. A group-kind that is no longer served has no members left to find.
 * `known`: listings of this run that already answer some of these (the apply step's fast
 * path makes exactly these LISTs); they are used instead of listing again.
 */
export const discoverApplySetMembers = Effect.fn("discoverApplySetMembers")(function* (
  record: StageRecord,
  known: ReadonlyArray<PartOfListing> = [],
) {
  const meta = record.applySet
  if (meta === undefined) return []
  const kube = yield* ActingClient
  const served = yield* kube.resources()
  const namespaces = [record.namespace, ...meta.additionalNamespaces]
  const lists = yield* Effect.forEach(
    discoveryGroupKinds(record),
    (gk) => {
      const resource = served.find((r) => r.group === gk.group && r.kind === gk.kind)
      if (resource === undefined) return Effect.succeed<Array<Member>>([])
      const apiVersion = formatApiVersion(resource.group, resource.version)
      const scopes = resource.namespaced ? namespaces : [undefined]
      const toMember = (object: KubeObject): Member => {
        const ref = refOf(object, resource.namespaced)
        return { ref, entry: entryOf(ref, object.apiVersion) }
      }
      return Effect.forEach(
        scopes,
        (namespace) => {
          const listed = known.find(
            (l) =>
              l.applySetId === meta.id &&
              l.kind === resource.kind &&
              parseApiVersion(l.apiVersion).group === resource.group &&
              l.namespace === namespace,
          )
          if (listed !== undefined) return Effect.succeed(listed.items.map(toMember))
          return kube
            .list(
              { apiVersion, kind: resource.kind },
              {
                ...(namespace === undefined ? {} : { namespace }),
                labelSelector: `${APPLYSET_PART_OF}=${meta.id}`,
              },
            )
            .pipe(
              Effect.map((list) => list.items.map(toMember)),
              Effect.catchTag("KubeNotFound", () => Effect.succeed<Array<Member>>([])),
            )
        },
        { concurrency: 4 },
      ).pipe(Effect.map((groups) => groups.flat()))
    },
    { concurrency: 4 },
  )
  return lists.flat()
})

/**
 * Whether the prune candidates of `record` include what ApplySet discovery finds
 * (semantics.md section 4): in applyset mode, and for a record still in applyset mode
 * during a switch away from it (the prune phase prunes from the union of the old and the
 * new record).
 */
export const prunesDiscovered = (record: StageRecord, configured: InventoryMode): boolean =>
  modeWrites(configured).prunesDiscovered || recordMode(record) === "applyset"

/**
 * Every member a stored record accounts for: its entries, plus, with `discover`, whatever
 * ApplySet discovery finds (members we manage are then prune candidates even without an
 * entry: the set is first-class, as kubectl sees it).
 */
export const readMembers = Effect.fn("readMembers")(function* (
  record: StageRecord,
  discover: boolean,
  known: ReadonlyArray<PartOfListing> = [],
) {
  const byId = new Map<string, Member>()
  for (const member of membersOfEntries(record.shards.flatMap((s) => s.entries)))
    byId.set(member.entry.id, member)
  if (discover)
    for (const member of yield* discoverApplySetMembers(record, known))
      if (!byId.has(member.entry.id)) byId.set(member.entry.id, member)
  return [...byId.values()]
})
