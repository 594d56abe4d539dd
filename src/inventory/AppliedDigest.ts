/**
 * The applied digest on shard 0 (`stages.metio.wtf/applied-digest`): what lets the no-op
 * fast path (performance.md B2, B8) trust a LIST after a controller restart.
 *
 * Each member the stage's last run applied (or found untouched) is one fingerprint of
 * (entry id, desired hash, uid, resourceVersion): a (uid, resourceVersion) pair names one
 * exact version of one object, so a live object whose fingerprint is in the set is the
 * version our apply of that desired configuration produced, and applying it again would
 * change nothing. The set is stored as an invertible Bloom lookup table (Eppstein et al.,
 * "What's the difference?", SIGCOMM 2011) of a fixed size, whatever the stage's size: from
 * it and the live fingerprints, the few that differ (edited, recreated, or desired
 * differently) are recovered exactly. When too many differ to recover, nothing is trusted
 * and every member is applied, as without a digest.
 *
 * Never a reason to skip wrongly: a fingerprint enters the set only from an apply response
 * (or a LIST that showed the object unchanged since one), and any change to an object
 * moves its resourceVersion (a new uid if it was recreated), so an old or foreign digest
 * can only fail to match, which means applying again.
 */
import { createHash } from "node:crypto"
import { Option, Schema } from "effect"

/**
 * Cells per hash function; four hash functions (`placesOf`), each with its own partition.
 * Sized so that a handful of differences is recovered almost always (two differences are
 * lost together only when they share all four cells, about 1 in 20 000) while the value
 * stays under 650 characters.
 */
const CELLS_PER_HASH = 12
const HASHES = 4
const CELLS = CELLS_PER_HASH * HASHES
/** A fingerprint: 8 bytes of sha256 (a changed member matches an old one with odds 2^-64). */
const KEY_BYTES = 8
/**
 * A cell: the XOR of its keys, then the XOR of their check values (2 bytes). A check that
 * passes by chance only makes the table fail to empty, which means "cannot tell".
 */
const CELL_BYTES = KEY_BYTES + 2
const VERSION = 1
/** Version byte, then the cells: 481 bytes, 642 characters of base64url. */
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
  createHash("sha256")
    .update(JSON.stringify([version.id, version.hash, version.uid, version.resourceVersion]))
    .digest()
    .subarray(0, KEY_BYTES)
    .toString("hex")

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
const placesOf = (key: Buffer) => {
  const hi = key.readUInt32BE(0)
  const lo = key.readUInt32BE(4)
  const a = mix(hi ^ 0x9e3779b9)
  const b = mix(lo ^ a)
  const c = mix(a + b)
  const d = mix(b ^ c ^ 0x85ebca6b)
  return {
    check: mix(a ^ d ^ 0x7f4a7c15) & 0xffff,
    cells: [a, b, c, d].map((h, j) => j * CELLS_PER_HASH + (h % CELLS_PER_HASH)),
  }
}

/** XORs one key into a table (adding and removing are the same operation). */
const toggle = (table: Buffer, key: Buffer) => {
  const { check, cells } = placesOf(key)
  for (const cell of cells) {
    const at = 1 + cell * CELL_BYTES
    for (let b = 0; b < KEY_BYTES; b++) table[at + b]! ^= key[b]!
    table.writeUInt16BE(table.readUInt16BE(at + KEY_BYTES) ^ check, at + KEY_BYTES)
  }
}

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
 * Of `live` (the fingerprints of the members a LIST shows), those the stored digest does
 * not record: the members that must be applied again. None when the digest cannot tell
 * (not a digest of this version, or more differences than the table can recover); then
 * every member must be applied.
 */
export const unrecorded = (
  stored: string,
  live: ReadonlyArray<string>,
): Option.Option<ReadonlySet<string>> =>
  Option.flatMap(decodeStored(stored), (bytes) => {
    // The difference of the two sets: what is in exactly one of them.
    const table = Buffer.from(bytes)
    for (const fp of live) toggle(table, Buffer.from(fp, "hex"))
    const found = new Set<string>()
    // Peel: a cell holding exactly one key shows it with its check value; remove it, repeat.
    for (let progress = true; progress; ) {
      progress = false
      for (let cell = 0; cell < CELLS; cell++) {
        const at = 1 + cell * CELL_BYTES
        const key = table.subarray(at, at + KEY_BYTES)
        const check = table.readUInt16BE(at + KEY_BYTES)
        if (check === 0 && key.every((b) => b === 0)) continue
        const places = placesOf(key)
        if (places.check !== check || !places.cells.includes(cell)) continue
        const fp = Buffer.from(key).toString("hex")
        found.add(fp)
        toggle(table, Buffer.from(key))
        progress = true
      }
    }
    if (!table.subarray(1).every((b) => b === 0)) return Option.none()
    const liveSet = new Set(live)
    return Option.some(new Set([...found].filter((fp) => liveSet.has(fp))))
  })
