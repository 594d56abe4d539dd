import type { InventoryMode } from "../../schemas/StageSet.ts"
import type { Entry } from "./Entry.ts"

/** The KEP-3659 ApplySet parent metadata carried by shard 0 in hybrid and applyset modes. */
export interface ApplySetMeta {
  /** `applyset-<base64url(sha256(...))>-v1`. */
  readonly id: string
  /** `stageset-controller/v<semver>`. */
  readonly tooling: string
  /** Sorted `Kind.group` (core: `Kind`) of every member. */
  readonly groupKinds: ReadonlyArray<string>
  /** Sorted member namespaces other than the parent's own. */
  readonly additionalNamespaces: ReadonlyArray<string>
}

/** One StageInventory object, decoded. */
export interface Shard {
  readonly index: number
  /** Sorted by id. */
  readonly entries: ReadonlyArray<Entry>
  /** Deleted by someone while our finalizer keeps it readable (semantics.md section 6.1). */
  readonly terminating?: boolean
  /**
   * Its `stages.metio.wtf/applied-digest` as stored (AppliedDigest.ts): the versions of the
   * members whose entries it holds, as a run left them; unchecked.
   */
  readonly digest?: string | undefined
}

/**
 * A StageInventory of the stage under a name that is not ours for its index: as the public
 * Go stageset-controller names its shards (`<stageset>-<stage>-NN-<hash>`, with an owner
 * reference to the StageSet). Its entries are part of the record until adopted into our
 * shards (`planAdoption`), after which it is deleted.
 */
export interface LegacyShard {
  /** Its object name. */
  readonly name: string
  readonly position: number
  readonly entries: ReadonlyArray<Entry>
}

/** Everything stored for one stage: the union of its shards. */
export interface StageRecord {
  readonly namespace: string
  readonly stageSet: string
  readonly stage: string
  /** The stage's index in `spec.stages` when it was last written. */
  readonly position: number
  /** Sorted by index. Empty when the stage has no stored shard at all. */
  readonly shards: ReadonlyArray<Shard>
  /**
   * Whether the record keeps an entry list (`spec.entries` present). Every mode writes one;
   * only a record an earlier version wrote in applyset mode lacks it.
   */
  readonly tracksEntries: boolean
  /** ApplySet parent metadata on shard 0 (hybrid and applyset modes). */
  readonly applySet: ApplySetMeta | undefined
  /** Shard 0's `stages.metio.wtf/inventory-mode`; undefined on records of earlier versions. */
  readonly mode: InventoryMode | undefined
  /** Shards written under another name (the Go implementation's), still to adopt. */
  readonly legacy?: ReadonlyArray<LegacyShard>
}

/** Every entry the record holds, in our shards and in shards still to adopt. */
export const recordedEntries = (record: StageRecord): ReadonlyArray<Entry> => [
  ...record.shards.flatMap((s) => s.entries),
  ...(record.legacy ?? []).flatMap((s) => s.entries),
]

/** What a stage's record should become. */
export interface DesiredRecord {
  readonly position: number
  /** The entries to keep, in any order. */
  readonly entries: ReadonlyArray<Entry>
  readonly applySet: ApplySetMeta | undefined
  /** The mode annotation shard 0 carries. */
  readonly mode: InventoryMode
  /**
   * What this run's applies left live: each member's fingerprint (AppliedDigest.ts) by
   * entry id. Each shard's digest is computed from those of the entries it holds, and a
   * shard whose digest changes is written. Absent (record intent, repair, adoption, a
   * removed stage): nothing applied yet; a shard keeps its stored digest while no entry
   * leaves it (ShardDigest.ts).
   */
  readonly applied?: ReadonlyMap<string, string> | undefined
}
