/**
 * The applied digest of a shard (`stages.metio.wtf/applied-digest`): what lets the no-op
 * fast path (performance.md B2, B8) trust a LIST after a controller restart.
 *
 * Each shard records the members whose entries it holds (ShardDigest.ts). Each member the
 * stage's last run applied (or found untouched) is one fingerprint of (entry id, desired
 * hash, uid, resourceVersion): a (uid, resourceVersion) pair names one
 * exact version of one object, so a live object whose fingerprint is in the set is the
 * version our apply of that desired configuration produced, and applying it again would
 * change nothing. The set is stored as an invertible Bloom lookup table (Eppstein et al.,
 * "What's the difference?", SIGCOMM 2011) of a fixed size, whatever the stage's size: from
 * it and the live fingerprints, the few that differ (edited, recreated, or desired
 * differently) are recovered; when too many differ, the members the table cannot vouch
 * for are applied (with many differences, all of them), as without a digest.
 *
 * Never a reason to skip wrongly: a fingerprint enters the set only from an apply response
 * (or a LIST that showed the object unchanged since one), and any change to an object
 * moves its resourceVersion (a new uid if it was recreated), so an old or foreign digest
 * can only fail to match, which means applying again.
 */
import { hash } from "node:crypto"
import { Option, Schema } from "effect"

/**
 * Cells per hash function; four hash functions (`placesOf`), each with its own partition.
 * A handful of differences peels out completely unless two of them share all four cells
 * (1 in 16^4 = 65 536 per pair); when peeling stalls, `unrecorded` still names every
 * changed member and, almost always, no other (see there). 1 367 characters per shard.
 */
const CELLS_PER_HASH = 16
const HASHES = 4
const CELLS = CELLS_PER_HASH * HASHES
/** A fingerprint: 8 bytes of sha256 (a changed member matches an old one with odds 2^-64). */
const KEY_BYTES = 8
/**
 * A cell: the XOR of its keys, then the XOR of their check values (8 bytes). A mixture of
 * keys passes for one key only when a 64-bit check matches by chance.
 */
const CHECK_BYTES = 8
const CELL_BYTES = KEY_BYTES + CHECK_BYTES
/** 2: per shard, 64 cells with 64-bit checks (1: on shard 0, 48 cells with 16-bit checks). */
const VERSION = 2
/** Version byte, then the cells: 1 025 bytes, 1 367 characters of base64url. */
const SIZE = 1 + CELLS * CELL_BYTES

/** What one member contributes: its identity, what we applied, and the version that resulted. */
export interface AppliedVersion {
  readonly id: string
  /** The desired hash (`appliedHash`): what is applied, how and as whom. */
  readonly hash: string
  readonly uid: string
  readonly resourceVersion: string
}

/** A member's fingerprint, as lowercase hex (16 characters). */
export const fingerprint = (version: AppliedVersion): string =>
  // The first KEY_BYTES of the sha256, as hex; one-shot crypto.hash is ~4x cheaper than
  // createHash for one small input (B2: one per member and reconcile). Hex of the bytes,
  // not a slice of the whole digest's hex: V8 would keep all 64 characters behind it.
  hash(
    "sha256",
    JSON.stringify([version.id, version.hash, version.uid, version.resourceVersion]),
    "buffer",
  ).toString("hex", 0, KEY_BYTES)

/** murmur3's 32-bit finaliser: a cheap, non-linear mix (a XOR of keys does not keep it). */
const mix = (x: number) => {
  let h = x >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * The check value and the cell of each partition a key lands in. The key is already
 * uniform (sha256 output), so mixing its two words is enough.
 */
const placesOf = (key: Uint8Array) => {
  const view = new DataView(key.buffer, key.byteOffset, KEY_BYTES)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  const a = mix(hi ^ 0x9e3779b9)
  const b = mix(lo ^ a)
  const c = mix(a + b)
  const d = mix(b ^ c ^ 0x85ebca6b)
  const check = Buffer.alloc(CHECK_BYTES)
  check.writeUInt32BE(mix(a ^ d ^ 0x7f4a7c15), 0)
  check.writeUInt32BE(mix(b ^ c ^ 0x165667b1), 4)
  return {
    check,
    cells: [a, b, c, d].map((h, j) => j * CELLS_PER_HASH + (h % CELLS_PER_HASH)),
  }
}

/** XORs one key into a table (adding and removing are the same operation). */
const toggle = (table: Buffer, key: Uint8Array) => {
  const { check, cells } = placesOf(key)
  for (const cell of cells) {
    const at = 1 + cell * CELL_BYTES
    for (let b = 0; b < KEY_BYTES; b++) table[at + b]! ^= key[b]!
    for (let b = 0; b < CHECK_BYTES; b++) table[at + KEY_BYTES + b]! ^= check[b]!
  }
}

const cellAt = (table: Buffer, cell: number) =>
  table.subarray(1 + cell * CELL_BYTES, 1 + (cell + 1) * CELL_BYTES)

const isEmpty = (bytes: Uint8Array) => bytes.every((b) => b === 0)

const tableOf = (fingerprints: Iterable<string>): Buffer => {
  const table = Buffer.alloc(SIZE)
  table[0] = VERSION
  for (const fp of fingerprints) toggle(table, Buffer.from(fp, "hex"))
  return table
}

/** The annotation value: base64url of a version byte and the table; anything else is no digest. */
const Stored = Schema.Uint8ArrayFromBase64Url.pipe(
  Schema.filter((bytes) => bytes.length === SIZE && bytes[0] === VERSION),
)
const decodeStored = Schema.decodeOption(Stored)

/** The annotation value recording these fingerprints (order does not matter). */
export const encodeDigest = (fingerprints: Iterable<string>): string =>
  tableOf(fingerprints).toString("base64url")

/**
 * Of `live` (the fingerprints of the members a LIST shows), those the stored digest may
 * not record: the members that must be applied again. None only when the value is not a
 * digest of this version; then every member must be applied.
 *
 * The table minus the live fingerprints holds what is in exactly one of the two sets; it is
 * peeled (a cell holding one key shows it with its check; remove it, repeat). When it
 * empties, the live keys peeled out are exactly the changed members. When peeling stalls
 * (too many differences, or a few that share all their cells), what is left still decides
 * soundly: a live key not yet peeled that differs is in every one of its cells, so a live
 * key with an empty cell is recorded (unless a set of distinct keys XORs to zero in 128
 * bits), and only live keys whose cells are all occupied are applied again: the changed
 * ones, and by chance the few whose cells all fall among the occupied ones (with two keys
 * stuck, a given other member with odds 16^-4).
 */
export const unrecorded = (
  stored: string,
  live: ReadonlyArray<string>,
): Option.Option<ReadonlySet<string>> =>
  Option.map(decodeStored(stored), (bytes) => {
    const table = Buffer.from(bytes)
    for (const fp of live) toggle(table, Buffer.from(fp, "hex"))
    const found = new Set<string>()
    for (let progress = true; progress; ) {
      progress = false
      for (let cell = 0; cell < CELLS; cell++) {
        const content = cellAt(table, cell)
        if (isEmpty(content)) continue
        const key = Buffer.from(content.subarray(0, KEY_BYTES))
        const places = placesOf(key)
        if (!places.check.equals(content.subarray(KEY_BYTES)) || !places.cells.includes(cell))
          continue
        found.add(key.toString("hex"))
        toggle(table, key)
        progress = true
      }
    }
    return new Set(
      live.filter(
        (fp) =>
          found.has(fp) ||
          placesOf(Buffer.from(fp, "hex")).cells.every((cell) => !isEmpty(cellAt(table, cell))),
      ),
    )
  })
