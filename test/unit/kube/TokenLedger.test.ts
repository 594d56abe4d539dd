import { describe, expect, it } from "vitest"
import { TokenLedger } from "../../../src/kube/TokenLedger.ts"

// The flag defaults: 100 tokens, 50 a second (one every 20 ms); the reserve is 50.
const DEFAULTS = { qps: 50, burst: 100 }

/** A ledger whose waiters are labelled by owner, and a clock to step it by. */
const setUp = (limits = DEFAULTS) => {
  const ledger = new TokenLedger<string>(limits, 0)
  const granted: Array<string> = []
  let now = 0
  return {
    ledger,
    granted,
    now: () => now,
    /** `count` requests of `owner` at the current time: taken on the spot if allowed, else queued. */
    request: (owner: string, count: number) => {
      for (let i = 0; i < count; i++)
        if (ledger.tryTake(owner, now)) granted.push(owner)
        else {
          ledger.enqueue(owner, owner, now)
          granted.push(...ledger.grant(now))
        }
    },
    /** Lets `ms` pass, granting as the tokens come (as the bucket's fiber does). */
    advance: (ms: number) => {
      const end = now + ms
      while (now < end) {
        const wait = ledger.nextGrantIn(now)
        now = wait === undefined ? end : Math.min(end, now + Math.max(1, wait))
        granted.push(...ledger.grant(now))
      }
    },
  }
}

const countOf = (log: ReadonlyArray<string>, owner: string) => log.filter((o) => o === owner).length

describe("TokenLedger", () => {
  it("serves a StageSet that arrives beside a busy one from the reserve, at once", () => {
    const { request, advance, granted } = setUp()
    request("ns/big", 1000)
    // Alone it gets the whole burst at once: half of it free, half on its credit.
    expect(granted).toHaveLength(100)
    advance(4000)
    // Then a pause while the reserve refills (1 s), and from there the full rate on what
    // is above the reserve.
    expect(countOf(granted, "ns/big")).toBe(250)

    request("ns/small", 30)
    // No time passes: 30 requests of the newcomer, all granted from the reserve.
    expect(countOf(granted, "ns/small")).toBe(30)
    expect(granted.slice(250)).toEqual(Array.from({ length: 30 }, () => "ns/small"))

    advance(10_000)
    // The big one loses only the time the reserve takes to refill (30 tokens, 0.6 s).
    expect(countOf(granted, "ns/big")).toBeGreaterThanOrEqual(250 + 500 - 31)
  })

  it("has the reserve whole again for a StageSet that arrives just after a big one's burst", () => {
    const { request, advance, granted } = setUp()
    request("ns/big", 1000)
    // B9 creates the small one once the big one's 150th object exists.
    while (countOf(granted, "ns/big") < 150) advance(20)
    request("ns/small", 40)
    expect(countOf(granted, "ns/small")).toBe(40)
  })

  it("never hands out more than the burst plus the rate, whoever asks", () => {
    const { request, advance, granted } = setUp({ qps: 10, burst: 20 })
    request("a", 500)
    for (let second = 0; second < 30; second++) {
      request(`newcomer-${second}`, 7)
      advance(500)
      request("", 3)
      advance(500)
      expect(granted.length).toBeLessThanOrEqual(20 + 10 * (second + 1))
    }
    // Every token of the 30 s went to someone but the reserve's 10, still in the bucket.
    expect(granted.length).toBeGreaterThanOrEqual(20 + 10 * 30 - 10 - 1)
  })

  it("takes turns above the reserve between StageSets that both spent their credit", () => {
    const { request, advance, granted } = setUp({ qps: 10, burst: 4 })
    request("a", 50)
    request("b", 50)
    advance(3000)
    const later = granted.slice(-20)
    expect(countOf(later, "a")).toBe(10)
    expect(countOf(later, "b")).toBe(10)
  })

  it("does not starve a waiting StageSet without credit while newcomers keep coming", () => {
    const { request, advance, granted } = setUp({ qps: 10, burst: 10 })
    request("ns/big", 1000)
    advance(3000)
    const before = granted.length
    // Newcomers with full credit back to back, each starting as the one before is served.
    for (let i = 0; i < 20; i++) {
      request(`ns/small-${i}`, 10)
      while (countOf(granted, `ns/small-${i}`) < 10) advance(100)
    }
    const during = granted.slice(before)
    // The reserve is 5: after 5 grants to others the big one gets the next.
    expect(countOf(during, "ns/big")).toBeGreaterThanOrEqual(Math.floor(during.length / 6))
    expect(during.slice(0, 6)).toEqual([...Array.from({ length: 5 }, () => "ns/small-0"), "ns/big"])
  })

  it("refills an owner's credit only while nothing of it waits", () => {
    const { request, advance, granted, ledger } = setUp({ qps: 10, burst: 10 })
    request("ns/busy", 100)
    advance(5000)
    // Waiting all along: no credit, so it only gets tokens above the reserve of 5 and the
    // level stays there; a newcomer finds the reserve.
    const before = granted.length
    request("ns/newcomer", 5)
    expect(granted.slice(before)).toEqual(Array.from({ length: 5 }, () => "ns/newcomer"))
    expect(ledger.waitingCount).toBeGreaterThan(0)
  })

  it("does not count the time an owner waited as idle when its line empties", () => {
    const { request, advance, granted } = setUp({ qps: 10, burst: 10 })
    // 30 requests at once: the burst, its credit's worth, then tokens above the reserve.
    request("ns/a", 30)
    while (countOf(granted, "ns/a") < 30) advance(100)
    // Its line just emptied after waiting ~2.5 s: no credit came back for that time, so
    // more requests now wait for tokens above the reserve instead of taking from it.
    request("ns/a", 3)
    expect(countOf(granted, "ns/a")).toBe(30)
    // A newcomer still finds the reserve.
    request("ns/b", 3)
    expect(countOf(granted, "ns/b")).toBe(3)
  })
})
