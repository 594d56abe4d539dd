import { Effect, type Scope } from "effect"
import type { Entry } from "../src/inventory/Entry.ts"
import { formatEntryId } from "../src/inventory/EntryId.ts"
import { planPrune } from "../src/inventory/PrunePlan.ts"
import type { Collector } from "./support/collector.ts"
import type { BenchContext } from "./support/config.ts"
import { bound, median, row } from "./support/results.ts"

const WARMUP = 3

const idOf = (name: string) =>
  formatEntryId({ group: "", kind: "ConfigMap", namespace: "bench", name })

/**
 * The stored inventory I (N entries) and the render D (N ids) of a stage where 1 % of the
 * objects were replaced: every 100th stored entry is no longer rendered and as many new
 * ids are, as runStageSet hands them to planPrune.
 */
export const pruneInput = (n: number) => {
  const inventory: Array<Entry> = []
  const desired = new Set<string>()
  for (let i = 0; i < n; i++) {
    const name = `cm-${String(i).padStart(6, "0")}`
    inventory.push({ id: idOf(name), v: "v1" })
    desired.add(i % 100 === 0 ? idOf(`${name}-new`) : idOf(name))
  }
  return {
    inventory,
    desired,
    otherStagesDesired: new Set<string>(),
    otherStageSetsInventory: new Set<string>(),
    pruneEnabled: true,
  }
}

/** B3: planPrune alone (inputs built beforehand), N = 25k, 50k, 100k in full mode. */
export const b3PrunePlan = (
  ctx: BenchContext,
  out: Collector,
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.sync(() => {
    const sizes = ctx.sizes.b3
    const reps = Math.max(ctx.reps, 5)
    out.sizes.N = sizes
    out.sizes.changed = "1 %"
    out.sizes.timedRuns = reps
    out.sizes.warmupRuns = WARMUP
    const nsPerEntry = new Map<number, number>()
    for (const n of sizes) {
      const input = pruneInput(n)
      for (let i = 0; i < WARMUP; i++) planPrune(input)
      const samples: Array<number> = []
      let candidates = 0
      for (let rep = 0; rep < reps; rep++) {
        const t0 = performance.now()
        const plan = planPrune(input)
        samples.push(performance.now() - t0)
        candidates = plan.candidates.length
      }
      const expected = Math.ceil(n / 100)
      if (candidates !== expected)
        out.notes.push(`N=${n}: planPrune returned ${candidates} candidates, expected ${expected}`)
      const perEntry = (median(samples) * 1e6) / n
      nsPerEntry.set(n, perEntry)
      ctx.progress(
        `B3 N=${n}: median ${median(samples).toFixed(2)} ms, ${perEntry.toFixed(1)} ns/entry`,
      )
      const largest = n === Math.max(...sizes)
      out.rows.push(
        row(`planPrune, N=${n}`, "planPrune", "ms", samples, {
          ...(largest ? bound(median(samples), { atMost: 100 }, "ms") : {}),
          details: { nsPerEntry: perEntry, candidates },
        }),
      )
    }
    const smallest = Math.min(...sizes)
    const largest = Math.max(...sizes)
    const linearity = nsPerEntry.get(largest)! / nsPerEntry.get(smallest)!
    out.rows.push(
      // Linear: the cost per entry at the largest N stays within 1.5x of the smallest N's.
      row(
        `planPrune linearity`,
        `ns/entry at ${largest / 1000}k / at ${smallest / 1000}k`,
        "x",
        [linearity],
        {
          ...bound(linearity, { atMost: 1.5 }),
          details: { nsPerEntry: Object.fromEntries(nsPerEntry) },
        },
      ),
    )
    out.notes.push(
      `planPrune ns/entry by N: ${sizes.map((n) => `${n}: ${nsPerEntry.get(n)!.toFixed(1)}`).join(", ")} (linear = flat)`,
    )
  })
