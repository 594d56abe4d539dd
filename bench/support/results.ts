/** One line of the table: one subject on one workload, over the repetitions. */
export interface Row {
  readonly workload: string
  readonly subject: string
  readonly unit: string
  readonly samples: ReadonlyArray<number>
  readonly median: number
  readonly min: number
  readonly max: number
  /** How this row compares with another subject: `label` names the formula (e.g. `controller/bare`). */
  readonly comparison?: { readonly label: string; readonly value: number }
  /** The target from performance.md, in words (e.g. `<= 1.25`). */
  readonly target?: string
  readonly pass?: boolean
  readonly details?: Readonly<Record<string, unknown>>
}

export interface BenchResult {
  readonly id: string
  readonly title: string
  readonly sizes: Readonly<Record<string, unknown>>
  readonly reps: number
  readonly rows: ReadonlyArray<Row>
  readonly notes: ReadonlyArray<string>
  readonly durationSeconds: number
  /** Set when the benchmark could not finish; its rows are whatever it measured before. */
  readonly error?: string
}

export const median = (samples: ReadonlyArray<number>): number => {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const row = (
  workload: string,
  subject: string,
  unit: string,
  samples: ReadonlyArray<number>,
  extra: Partial<Pick<Row, "comparison" | "target" | "pass" | "details">> = {},
): Row => ({
  workload,
  subject,
  unit,
  samples,
  median: median(samples),
  min: samples.length === 0 ? Number.NaN : Math.min(...samples),
  max: samples.length === 0 ? Number.NaN : Math.max(...samples),
  ...extra,
})

/** A comparison and its verdict: `value <= max` or `value >= min`. */
export const compare = (
  label: string,
  value: number,
  target: { readonly atMost: number } | { readonly atLeast: number },
) => ({
  comparison: { label, value },
  target: "atMost" in target ? `<= ${target.atMost}` : `>= ${target.atLeast}`,
  pass:
    Number.isFinite(value) &&
    ("atMost" in target ? value <= target.atMost : value >= target.atLeast),
})

/** A target on the row's own median. */
export const bound = (
  value: number,
  target: { readonly atMost: number } | { readonly atLeast: number } | { readonly equals: number },
  unit = "",
) => {
  const u = unit === "" ? "" : ` ${unit}`
  if ("equals" in target) return { target: `= ${target.equals}${u}`, pass: value === target.equals }
  if ("atMost" in target)
    return {
      target: `<= ${target.atMost}${u}`,
      pass: Number.isFinite(value) && value <= target.atMost,
    }
  return {
    target: `>= ${target.atLeast}${u}`,
    pass: Number.isFinite(value) && value >= target.atLeast,
  }
}
