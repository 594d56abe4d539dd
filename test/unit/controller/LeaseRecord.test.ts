import { describe, expect, it } from "@effect/vitest"
import { FastCheck, Option } from "effect"
import {
  formatMicroTime,
  heldByOther,
  type LeaseRecord,
  leaseKey,
  leaseObject,
  parseMicroTime,
  readLeaseRecord,
} from "../../../src/controller/LeaseRecord.ts"

const record = (overrides: Partial<LeaseRecord> = {}): LeaseRecord => ({
  holderIdentity: "a",
  leaseDurationSeconds: 15,
  acquireTime: Option.some(0),
  renewTime: Option.some(10_000),
  leaseTransitions: 2,
  ...overrides,
})

describe("LeaseRecord", () => {
  it("formats MicroTime with six fractional digits, and parses it back", () => {
    expect(formatMicroTime(1_700_000_000_123)).toBe("2023-11-14T22:13:20.123000Z")
    expect(parseMicroTime("2023-11-14T22:13:20.123456Z")).toEqual(Option.some(1_700_000_000_123))
    expect(parseMicroTime("2023-11-14T22:13:20Z")).toEqual(Option.some(1_700_000_000_000))
    expect(parseMicroTime("yesterday")).toEqual(Option.none())
    expect(parseMicroTime(undefined)).toEqual(Option.none())
    FastCheck.assert(
      FastCheck.property(FastCheck.integer({ min: 0, max: 4_102_444_800_000 }), (millis) => {
        const text = formatMicroTime(millis)
        expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
        expect(parseMicroTime(text)).toEqual(Option.some(millis))
      }),
    )
  })

  it("another holder's lease is valid until renewTime + its own leaseDurationSeconds", () => {
    expect(heldByOther(record(), "b", 25_000)).toBe(true)
    expect(heldByOther(record(), "b", 25_001)).toBe(false)
    expect(heldByOther(record({ leaseDurationSeconds: 1 }), "b", 11_001)).toBe(false)
    // Ours, released, or never renewed: not held by another.
    expect(heldByOther(record(), "a", 12_000)).toBe(false)
    expect(heldByOther(record({ holderIdentity: "" }), "b", 12_000)).toBe(false)
    expect(heldByOther(record({ renewTime: Option.none() }), "b", 12_000)).toBe(false)
  })

  it("reads missing fields as client-go reads nil pointers", () => {
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" } }
    expect(readLeaseRecord(lease, 15)).toEqual({
      holderIdentity: "",
      leaseDurationSeconds: 15,
      acquireTime: Option.none(),
      renewTime: Option.none(),
      leaseTransitions: 0,
    })
  })

  it("writes onto the live object, keeping its resourceVersion and unmanaged spec fields", () => {
    const key = leaseKey("ops", "l")
    const live = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "l", namespace: "ops", resourceVersion: "7" },
      spec: { holderIdentity: "a", renewTime: "x", strategy: "OldestEmulationVersion" },
    }
    const released = leaseObject(
      key,
      record({ holderIdentity: "", acquireTime: Option.none(), renewTime: Option.some(5) }),
      Option.some(live),
    )
    expect(released.metadata).toEqual(live.metadata)
    expect(released.spec).toEqual({
      strategy: "OldestEmulationVersion",
      leaseDurationSeconds: 15,
      renewTime: "1970-01-01T00:00:00.005000Z",
      leaseTransitions: 2,
    })
    const fresh = leaseObject(key, record(), Option.none())
    expect(fresh.metadata).toEqual({ name: "l", namespace: "ops" })
    expect(readLeaseRecord(fresh, 1)).toEqual(record())
  })
})
