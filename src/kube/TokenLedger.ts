/**
 * The bookkeeping of the process's token bucket (fairTokenBucket.ts wraps it in Effects):
 * how many tokens there are, who waits for one, and whose turn it is. Synchronous and
 * free of Effect so that every decision is one uninterrupted step on the JavaScript thread,
 * and so that the policy can be tested tick by tick.
 *
 * The policy, at `qps` tokens per second and `burst` tokens at most:
 * - Owners (the StageSet a request is for, `""` for the controller's own work) that wait
 *   take turns, one token each, round-robin: a big StageSet's thousands of requests never
 *   queue ahead of a small one's.
 * - Half the burst is a reserve for owners that were idle. An owner may take a token that
 *   leaves fewer than `reserve` in the bucket only with credit, and its credit (up to
 *   `reserve`) refills only while it has nothing waiting. A StageSet that keeps the bucket
 *   busy spends its credit and then runs on what is above the reserve, at the full rate;
 *   a StageSet that arrives beside it is served from the reserve at once, as it would be
 *   from the burst if it were alone (B9: a 3 x 10 StageSet beside a 5 000-object one).
 *   Credit of no more than the reserve, so that a StageSet that starts alone empties the
 *   bucket at once (burst, as without a reserve) and the reserve is whole again one
 *   `reserve / qps` later: with more, it would spend the reserve as it refills, and a
 *   StageSet created a second after a big one would find it empty. The big one gets the
 *   same tokens either way.
 * - A waiting owner without credit is not starved by owners with credit: after `reserve`
 *   grants to others it gets the next token anyway.
 * The total rate is the configured one whatever the owners do: the reserve only decides
 * who gets a token, never how many there are.
 */
export interface LedgerLimits {
  readonly qps: number
  readonly burst: number
}

interface Owner<W> {
  /** Requests waiting, oldest first. */
  readonly line: Array<W>
  /** Tokens this owner may take from below the reserve, as of `creditAt`. */
  credit: number
  creditAt: number
  /** Tokens granted to others since this owner last got one, while it waited. */
  passed: number
}

// A hair of tolerance: a sleep of exactly the computed time must yield the token.
const EPSILON = 1e-9

export class TokenLedger<W> {
  private readonly burst: number
  private readonly perMs: number
  readonly reserve: number
  private level: number
  private at: number
  private readonly owners = new Map<string, Owner<W>>()
  /** Owners with a request waiting, in the order of their turns. */
  private readonly turns: Array<string> = []
  private waiting = 0
  private sweptAt = Number.NEGATIVE_INFINITY

  constructor(limits: LedgerLimits, now: number) {
    this.burst = Math.max(1, limits.burst)
    this.perMs = Math.max(0.001, limits.qps) / 1000
    this.reserve = Math.floor(this.burst / 2)
    this.level = this.burst
    this.at = now
  }

  /** Requests waiting for a token. */
  get waitingCount(): number {
    return this.waiting
  }

  /** Takes a token on the spot when nobody waits and this owner may have one. */
  tryTake(owner: string, now: number): boolean {
    if (this.waiting > 0) return false
    this.refill(now)
    const state = this.owners.get(owner)
    if (!this.mayTake(state, now)) return false
    this.take(owner, state, now)
    return true
  }

  /** `waiter` joins its owner's line (the owner takes the last turn if it had none). */
  enqueue(owner: string, waiter: W, now: number): void {
    let state = this.owners.get(owner)
    if (state === undefined) {
      state = { line: [], credit: this.reserve, creditAt: now, passed: 0 }
      this.owners.set(owner, state)
    }
    if (state.line.length === 0) {
      state.credit = this.creditOf(state, now)
      state.creditAt = now
      state.passed = 0
      this.turns.push(owner)
    }
    state.line.push(waiter)
    this.waiting += 1
  }

  /** `waiter` gave up; `true` when it was still waiting (it got no token). */
  remove(owner: string, waiter: W, now: number): boolean {
    const state = this.owners.get(owner)
    const index = state?.line.indexOf(waiter) ?? -1
    if (state === undefined || index < 0) return false
    state.line.splice(index, 1)
    this.waiting -= 1
    if (state.line.length === 0) this.leaveTurns(owner, state, now)
    return true
  }

  /** Grants every token that can be granted now; the waiters it went to, in order. */
  grant(now: number): Array<W> {
    this.refill(now)
    const granted: Array<W> = []
    while (this.waiting > 0 && this.level >= 1 - EPSILON) {
      const turn = this.turns.findIndex((owner) => this.mayTake(this.owners.get(owner), now))
      if (turn < 0) break
      const owner = this.turns[turn]!
      const state = this.owners.get(owner)!
      // Taken while the waiter is still in line: its credit is the one frozen while it waited.
      this.take(owner, state, now)
      granted.push(state.line.shift()!)
      this.waiting -= 1
      for (const other of this.turns) if (other !== owner) this.owners.get(other)!.passed += 1
      this.turns.splice(turn, 1)
      if (state.line.length > 0) this.turns.push(owner)
      else this.leaveTurns(owner, state, now, false)
    }
    return granted
  }

  /**
   * Milliseconds until `grant` can give a token to someone waiting (nothing changes
   * before then but the level), or undefined when nobody waits.
   */
  nextGrantIn(now: number): number | undefined {
    if (this.waiting === 0) return undefined
    this.refill(now)
    const anyoneMay = this.turns.some((owner) => this.mayDip(this.owners.get(owner), now))
    const needed = anyoneMay ? 1 : 1 + this.reserve
    return Math.max(0, Math.ceil((needed - EPSILON - this.level) / this.perMs))
  }

  private refill(now: number): void {
    this.level = Math.min(this.burst, this.level + Math.max(0, now - this.at) * this.perMs)
    this.at = now
  }

  /** Credit refills at the bucket's own rate, but only while nothing of the owner waits. */
  private creditOf(state: Owner<W> | undefined, now: number): number {
    if (state === undefined) return this.reserve
    if (state.line.length > 0) return state.credit
    return Math.min(this.reserve, state.credit + Math.max(0, now - state.creditAt) * this.perMs)
  }

  /** Whether the owner may take a token from below the reserve line. */
  private mayDip(state: Owner<W> | undefined, now: number): boolean {
    return (
      this.creditOf(state, now) >= 1 - EPSILON ||
      (state !== undefined && state.line.length > 0 && state.passed >= Math.max(1, this.reserve))
    )
  }

  private mayTake(state: Owner<W> | undefined, now: number): boolean {
    if (this.level < 1 - EPSILON) return false
    return this.level >= 1 + this.reserve - EPSILON || this.mayDip(state, now)
  }

  private take(owner: string, state: Owner<W> | undefined, now: number): void {
    const dips = this.level < 1 + this.reserve - EPSILON
    this.level = Math.max(0, this.level - 1)
    let current = state
    if (current === undefined) {
      current = { line: [], credit: this.reserve, creditAt: now, passed: 0 }
      this.owners.set(owner, current)
    }
    const credit = this.creditOf(current, now)
    // A starved owner without credit takes its token without any.
    current.credit = dips && credit >= 1 - EPSILON ? credit - 1 : credit
    current.creditAt = now
    current.passed = 0
    this.forgetIdle()
  }

  private leaveTurns(owner: string, state: Owner<W>, now: number, inTurns = true): void {
    if (inTurns) {
      const index = this.turns.indexOf(owner)
      if (index >= 0) this.turns.splice(index, 1)
    }
    state.creditAt = now
  }

  /**
   * Owners with nothing waiting and full credit are the same as owners never seen: they
   * are dropped once there are many, so a long-lived process does not keep every
   * StageSet it ever served.
   */
  private forgetIdle(): void {
    if (this.owners.size <= 2 * this.turns.length + 256 || this.at - this.sweptAt < 1000) return
    this.sweptAt = this.at
    for (const [owner, state] of this.owners)
      if (state.line.length === 0 && this.creditOf(state, this.at) >= this.reserve - EPSILON)
        this.owners.delete(owner)
  }
}
