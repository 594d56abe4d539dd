import { hash } from "node:crypto"
import { Effect, Option } from "effect"
import { fingerprint, unrecorded } from "../../inventory/AppliedDigest.ts"
import { APPLYSET_PART_OF } from "../../inventory/Labels.ts"
import type { Shard } from "../../inventory/StageRecord.ts"
import { ActingClient } from "../../kube/ActingClient.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import type { AppliedState } from "../AppliedCache.ts"
import type { ResolvedAction } from "../conflictPolicy.ts"
import { ReconcileConfig } from "../ReconcileConfig.ts"
import type { RenderedMember } from "../RenderedStage.ts"
import type { PartOfListing } from "./readMembers.ts"

/** One member as this run applies it. */
export interface Planned {
  readonly member: RenderedMember
  /** The object as sent (ApplySet label added in hybrid and applyset modes). */
  readonly object: KubeObject
  readonly action: ResolvedAction
  /** Digest of what is applied, how and as whom (`appliedHash`). */
  readonly hash: string
}

/** The digest the fast path compares: what is applied, how, and as whom. */
export const appliedHash = (
  object: KubeObject,
  action: ResolvedAction,
  serviceAccount: string | undefined,
) =>
  // One-shot crypto.hash: half the cost of createHash for one small input (B2: one per member).
  hash("sha256", JSON.stringify([object, action, serviceAccount ?? null]), "base64url")

/**
 * What the fast path compares a LIST with: the states this process's last apply of the
 * stage returned, or, in a process that has applied nothing of the stage yet (a restart),
 * the applied digests on its shards (AppliedDigest.ts).
 */
export type AppliedEvidence =
  | { readonly _tag: "Cache"; readonly states: ReadonlyMap<string, AppliedState> }
  | { readonly _tag: "Digest"; readonly shards: ReadonlyArray<Shard> }

/** The fingerprint of a live member as the digest records it: its desired hash and version. */
export const liveFingerprint = (planned: Planned, live: KubeObject): string | undefined => {
  const { uid, resourceVersion } = live.metadata
  return uid === undefined || resourceVersion === undefined
    ? undefined
    : fingerprint({ id: planned.member.entry.id, hash: planned.hash, uid, resourceVersion })
}

/** Of the candidates a LIST showed, those the evidence says are as our last apply left them. */
const judge = (
  listed: ReadonlyArray<{ readonly planned: Planned; readonly live: KubeObject }>,
  evidence: AppliedEvidence,
): ReadonlyArray<{ readonly planned: Planned; readonly live: KubeObject }> => {
  if (evidence._tag === "Cache")
    return listed.filter(({ planned, live }) => {
      const state = evidence.states.get(planned.member.entry.id)
      return (
        state !== undefined &&
        live.metadata.uid === state.uid &&
        live.metadata.resourceVersion === state.resourceVersion
      )
    })
  // Each member is judged by the digest of its home shard (the lowest holding its entry,
  // where a crash in the middle of a move leaves it for good); a member whose home has no
  // digest (an older record, a new or rebuilt shard) is applied, as before.
  const home = new Map<string, Shard>()
  for (const shard of [...evidence.shards].sort((x, y) => y.index - x.index))
    for (const entry of shard.entries) home.set(entry.id, shard)
  const byShard = new Map<
    number,
    { digest: string; members: Array<{ planned: Planned; live: KubeObject; fp: string }> }
  >()
  for (const l of listed) {
    const shard = home.get(l.planned.member.entry.id)
    const fp = liveFingerprint(l.planned, l.live)
    if (shard?.digest === undefined || fp === undefined) continue
    const group = byShard.get(shard.index) ?? { digest: shard.digest, members: [] }
    group.members.push({ ...l, fp })
    byShard.set(shard.index, group)
  }
  return [...byShard.values()].flatMap(({ digest, members }) =>
    Option.match(
      unrecorded(
        digest,
        members.map((m) => m.fp),
      ),
      {
        // Not a digest this version reads: apply them all.
        onNone: () => [],
        onSome: (changed) => members.filter((m) => !changed.has(m.fp)),
      },
    ),
  )
}

export interface Untouched {
  /** Live objects whose uid and resourceVersion are still what our last apply returned, by entry id. */
  readonly untouched: ReadonlyMap<string, KubeObject>
  /**
   * The LISTs by `part-of` label, taken before this run's applies: the prune phase's
   * ApplySet discovery reuses them. Anything not in them that carries the label was
   * applied by this run, so it is desired and no prune candidate.
   */
  readonly listings: ReadonlyArray<PartOfListing>
}

/**
 * No-op fast path (performance.md, B2 and B8): of `candidates` (members whose desired hash
 * equals the one last applied), those whose live uid and resourceVersion are still the
 * ones that apply returned need no apply: as this process remembers them, or, after a
 * restart, as their shards' applied digests record them. One LIST per (apiVersion, kind,
 * namespace): by the ApplySet part-of label when members carry it, else the namespace's objects of
 * that kind (or the one object by name). Any change by anyone moves the resourceVersion,
 * so drift is still corrected on every reconcile. A LIST that fails (a kind no longer
 * served, a list the identity may not do) only means those members are applied again,
 * which is always correct. The LISTs run as the acting identity.
 */
export const listUntouched = (
  candidates: ReadonlyArray<Planned>,
  evidence: AppliedEvidence,
  partOf: string | undefined,
) =>
  Effect.gen(function* () {
    const untouched = new Map<string, KubeObject>()
    const listed: Array<{ readonly planned: Planned; readonly live: KubeObject }> = []
    const listings: Array<PartOfListing> = []
    if (candidates.length === 0) return { untouched, listings } satisfies Untouched
    const kube = yield* ActingClient
    const config = yield* ReconcileConfig
    const groups = new Map<string, Array<Planned>>()
    for (const p of candidates) {
      const id = `${p.object.apiVersion}|${p.object.kind}|${p.object.metadata.namespace ?? ""}`
      // Pushed, not copied: one group of N members was N^2/2 element copies (B2).
      const group = groups.get(id)
      if (group === undefined) groups.set(id, [p])
      else group.push(p)
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
              if (live !== undefined) listed.push({ planned: p, live })
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
    for (const { planned, live } of judge(listed, evidence))
      untouched.set(planned.member.entry.id, live)
    return { untouched, listings } satisfies Untouched
  })
