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
    expect(large.length).toBeLessThanOrEqual(650)
    // The order members are recorded in does not matter.
    expect(encodeDigest([...stage(50)].reverse().map(fingerprint))).toBe(
      encodeDigest(stage(50).map(fingerprint)),
    )
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

  it("too many differences: cannot tell, so everything is applied", () => {
    const recorded = stage(1000)
    const live = recorded.map((v, i) => (i < 100 ? { ...v, resourceVersion: "2" } : v))
    expect(unrecorded(encodeDigest(recorded.map(fingerprint)), live.map(fingerprint))).toEqual(
      Option.none(),
    )
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
          // Either exactly the changed members, or "cannot tell" (then all are applied).
          return Option.isNone(result) || setsEqual(result.value, expected)
        },
      ),
    )
  })
})

const setsEqual = (a: ReadonlySet<string>, b: ReadonlySet<string>) =>
  a.size === b.size && [...a].every((x) => b.has(x))
