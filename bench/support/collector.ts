import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, type Scope } from "effect"
import type { Row } from "./results.ts"

/** Where a benchmark puts what it measured, so a failure half-way still reports the rest. */
export interface Collector {
  readonly rows: Array<Row>
  readonly notes: Array<string>
  /** Sizes and settings, for the JSON. */
  readonly sizes: Record<string, unknown>
}

export const makeCollector = (): Collector => ({ rows: [], notes: [], sizes: {} })

/** A temp dir removed when the scope closes. */
export const tempDir = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), `stageset-bench-${prefix}-`))),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true })),
  )

/** Samples of several subjects, keyed by subject, in insertion order. */
export class Samples {
  readonly byKey = new Map<string, Array<number>>()
  readonly detailsByKey = new Map<string, Array<unknown>>()

  add(key: string, value: number, details?: unknown): void {
    const list = this.byKey.get(key) ?? []
    list.push(value)
    this.byKey.set(key, list)
    if (details !== undefined) {
      const more = this.detailsByKey.get(key) ?? []
      more.push(details)
      this.detailsByKey.set(key, more)
    }
  }

  get(key: string): ReadonlyArray<number> {
    return this.byKey.get(key) ?? []
  }

  details(key: string): ReadonlyArray<unknown> {
    return this.detailsByKey.get(key) ?? []
  }
}

export const fmtMs = (ms: number): string =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`
