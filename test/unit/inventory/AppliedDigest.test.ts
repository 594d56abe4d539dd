import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Option } from "effect"
import {
  type AppliedVersion,
  encodeDigest,
  fingerprint,
  unrecorded,
} from "../../../src/inventory/AppliedDigest.ts"

const version = (i: number, rv = String(1000 + i)): AppliedVersion => ({
  id: `ns_cm-${i}__ConfigMap`,
  hash: `hash-${i}`,
  uid: `uid-${i}`,
  resourceVersion: rv,
})

const stage = (n: number) => Array.from({ length: n }, (_, i) => version(i))

describe("applied digest", () => {
  it("is small and of one size whatever the stage's size", () => {
    const small = encodeDigest(stage(3).map(fingerprint))
    const large = encodeDigest(stage(5000).map(fingerprint))
    expect(large.length).toBe(small.length)
    expect(large.length).toBeLessThanOrEqual(1400)
    // The order members are recorded in does not matter.
    expect(encodeDigest([...stage(50)].reverse().map(fingerprint))).toBe(
      encodeDigest(stage(50).map(fingerprint)),
    )
  })

  it("a member's fingerprint is what earlier versions wrote, so their digests still vouch", () => {
    expect(
      fingerprint({
        id: "_cm-1_default__ConfigMap",
        hash: "h",
        uid: "u-1",
        resourceVersion: "42",
      }),
    ).toBe("4d97cc3d513833ba")
  })

  it("nothing changed: nothing to apply again", () => {
    const fps = stage(5000).map(fingerprint)
    expect(unrecorded(encodeDigest(fps), fps)).toEqual(Option.some(new Set()))
  })

  it("names exactly the members edited, recreated or desired differently since", () => {
    const recorded = stage(2000)
    const live = recorded.map((v, i) =>
      i === 7
        ? { ...v, resourceVersion: "99999" } // edited by someone else
        : i === 8
          ? { ...v, uid: "recreated", resourceVersion: "100000" } // deleted and created again
          : i === 9
            ? { ...v, hash: "new render" } // a changed desired configuration
            : v,
    )
    // Member 10 was deleted: it is not in the LIST at all (the caller applies it as missing).
    const listed = live.filter((_, i) => i !== 10).map(fingerprint)
    const result = unrecorded(encodeDigest(recorded.map(fingerprint)), listed)
    expect(result).toEqual(Option.some(new Set([7, 8, 9].map((i) => fingerprint(live[i]!)))))
  })

  it("members new to the stage are unrecorded; members that left it do not matter", () => {
    const recorded = stage(100)
    const listed = [...recorded.slice(2), version(500)].map(fingerprint)
    expect(unrecorded(encodeDigest(recorded.map(fingerprint)), listed)).toEqual(
      Option.some(new Set([fingerprint(version(500))])),
    )
  })

  it("too many differences: every member the table cannot vouch for is applied", () => {
    const recorded = stage(1000)
    const live = recorded.map((v, i) => (i < 100 ? { ...v, resourceVersion: "2" } : v))
    const result = unrecorded(encodeDigest(recorded.map(fingerprint)), live.map(fingerprint))
    // 200 differences fill every cell: no member can be vouched for.
    expect(result).toEqual(Option.some(new Set(live.map(fingerprint))))
  })

  it("differences that share all their cells still name exactly the changed members", () => {
    // Two stored versions that land in the same four cells stall the peeling; the
    // members in other cells are still recorded, the edited one is still applied.
    const recorded = stage(40)
    const fps = recorded.map(fingerprint)
    const twin = findTwin(fps[0]!)
    const stored = encodeDigest([...fps, twin.of])
    // Member 0 edited (its old version and the twin stall together), member 1 deleted.
    const edited = fingerprint({ ...recorded[0]!, resourceVersion: "edited" })
    const listed = [edited, ...fps.slice(2)]
    expect(unrecorded(stored, listed)).toEqual(Option.some(new Set([edited])))
  })

  it("a stored table of the first format (shard 0's, 48 cells) is no digest", () => {
    const v1 = Buffer.alloc(1 + 48 * 10)
    v1[0] = 1
    expect(unrecorded(v1.toString("base64url"), [])).toEqual(Option.none())
  })

  it("a value that is not a digest of this version is no digest", () => {
    const fps = stage(3).map(fingerprint)
    for (const stored of ["", "garbage", encodeDigest(fps).slice(1), `A${encodeDigest(fps)}`])
      expect(unrecorded(stored, fps)).toEqual(Option.none())
  })

  it("never leaves a changed member out (property)", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.integer({ min: 0, max: 300 }),
        FastCheck.uniqueArray(FastCheck.integer({ min: 0, max: 299 }), { maxLength: 12 }),
        (size, changed) => {
          const recorded = stage(size)
          const live = recorded.map((v, i) =>
            changed.includes(i) ? { ...v, resourceVersion: `moved-${i}` } : v,
          )
          const result = unrecorded(encodeDigest(recorded.map(fingerprint)), live.map(fingerprint))
          const expected = new Set(
            changed.filter((i) => i < size).map((i) => fingerprint(live[i]!)),
          )
          // Every changed member; exactly those when a handful changed.
          if (Option.isNone(result)) return false
          const all = [...expected].every((fp) => result.value.has(fp))
          return changed.length > 4 ? all : all && setsEqual(result.value, expected)
        },
      ),
    )
  })
})

const setsEqual = (a: ReadonlySet<string>, b: ReadonlySet<string>) =>
  a.size === b.size && [...a].every((x) => b.has(x))

/**
 * A key that is no member but lands in the same four cells as `fp` (found by search: one
 * in 16^4), so that the two stall the peeling together.
 */
const findTwin = (fp: string) => {
  const cellsOf = (key: string) => probeCells(key).join(",")
  const target = cellsOf(fp)
  for (let i = 0; ; i++) {
    const of = fingerprint(version(100_000 + i))
    if (cellsOf(of) === target) return { of }
  }
}

/** The cells a key occupies, read back from a table holding it alone. */
const probeCells = (key: string): ReadonlyArray<number> => {
  const table = Buffer.from(encodeDigest([key]), "base64url")
  const cells: Array<number> = []
  for (let c = 0; c < 64; c++)
    if (table.subarray(1 + c * 16, 1 + (c + 1) * 16).some((b) => b !== 0)) cells.push(c)
  return cells
}
