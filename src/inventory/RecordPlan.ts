/**
 * What a stage's stored record becomes at the two points the walk writes it
 * (semantics.md section 2): record intent (I ∪ D, before any apply) and settle
 * (exactly D plus failed prunes, after the prune phase). Mode switches
 * (section 4) fall out of the same two rules: intent keeps the old mode's record
 * and adds the new one's; settle leaves only the new mode's.
 */
import type { Entry, ObjectRef } from "./Entry.ts"
import { additionalNamespaces, containsGroupKinds, parseGroupKind } from "./GroupKinds.ts"
import { type InventoryMode, modeWrites, recordMode } from "./InventoryMode.ts"
import type { ApplySetMeta, DesiredRecord, StageRecord } from "./StageRecord.ts"

/** One member as both the entry list and the ApplySet hints need it. */
export interface Member {
  readonly ref: ObjectRef
  readonly entry: Entry
}

/** The ApplySet identity of a stage (the parts that do not depend on its members). */
export interface ApplySetIdentity {
  readonly id: string
  readonly tooling: string
  /** The parent's (shard 0's) namespace. */
  readonly namespace: string
}

const entriesOf = (record: StageRecord): Array<Entry> => record.shards.flatMap((s) => s.entries)

const metaFor = (
  identity: ApplySetIdentity,
  refs: ReadonlyArray<ObjectRef>,
  previous: ApplySetMeta | undefined,
): ApplySetMeta => {
  const kinds = containsGroupKinds(refs)
  const namespaces = additionalNamespaces(refs, identity.namespace)
  const widen = (now: ReadonlyArray<string>, before: ReadonlyArray<string> | undefined) =>
    before === undefined ? [...now] : [...new Set([...before, ...now])].sort()
  return {
    id: identity.id,
    tooling: identity.tooling,
    groupKinds: widen(kinds, previous?.groupKinds),
    additionalNamespaces: widen(namespaces, previous?.additionalNamespaces),
  }
}

/**
 * Record intent: the stored record widened by the render, so every object about to be
 * applied is recorded first. Entries of the render replace stored ones with the same id
 * (the apiVersion may have changed). `discovered`: members KEP-3659 discovery found for a
 * record an earlier version kept without entries (applyset mode); they become entries
 * here, so nothing is lost on the way to the entry list. The ApplySet hints widen here
 * too, before a member of a new group-kind or namespace is applied. The mode annotation
 * keeps the old record's mode: the record is not settled to the new one yet.
 */
export const intentRecord = (
  current: StageRecord,
  position: number,
  rendered: ReadonlyArray<Member>,
  mode: InventoryMode,
  identity: ApplySetIdentity,
  discovered: ReadonlyArray<Member> = [],
): DesiredRecord => {
  const writes = modeWrites(mode)
  const byId = new Map<string, Entry>()
  for (const entry of entriesOf(current)) byId.set(entry.id, entry)
  for (const member of discovered)
    if (!byId.has(member.entry.id)) byId.set(member.entry.id, member.entry)
  for (const member of rendered) byId.set(member.entry.id, member.entry)
  const keepApplySet = current.applySet !== undefined || writes.applySetMetadata
  return {
    position,
    entries: [...byId.values()],
    mode: recordMode(current) ?? mode,
    applySet: keepApplySet
      ? metaFor(
          identity,
          rendered.map((m) => m.ref),
          current.applySet,
        )
      : undefined,
  }
}

/**
 * Settle: exactly the render plus the members whose prune failed (retried next time),
 * in the configured mode only. The ApplySet hints narrow to those members; the mode
 * annotation becomes the configured mode. `applied`: each member's fingerprint as this
 * run's applies left it (AppliedDigest.ts), for the shards' digests; none for a removed
 * stage. `unaddressable`: stored entries that name no object (MalformedEntries.ts); they
 * stay as they are, for a person to correct.
 */
export const settleRecord = (
  position: number,
  rendered: ReadonlyArray<Member>,
  retained: ReadonlyArray<Member>,
  mode: InventoryMode,
  identity: ApplySetIdentity,
  unaddressable: ReadonlyArray<Entry> = [],
  applied: ReadonlyMap<string, string> | undefined = undefined,
): DesiredRecord => {
  const writes = modeWrites(mode)
  const byId = new Map<string, Member>()
  for (const member of [...retained, ...rendered]) byId.set(member.entry.id, member)
  const members = [...byId.values()]
  const kept = unaddressable.filter((entry) => !byId.has(entry.id))
  return {
    position,
    entries: [...members.map((m) => m.entry), ...kept],
    mode,
    applied,
    applySet: writes.applySetMetadata
      ? metaFor(
          identity,
          members.map((m) => m.ref),
          undefined,
        )
      : undefined,
  }
}

/** The group-kinds an ApplySet discovery pass must list for a stored record. */
export const discoveryGroupKinds = (record: StageRecord) =>
  (record.applySet?.groupKinds ?? []).map(parseGroupKind)
