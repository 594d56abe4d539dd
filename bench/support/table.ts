import type { BenchResult, Row } from "./results.ts"

const fixed = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : String(value)

/** A number in its unit, short: ms below 10 s, seconds above; bytes in KiB. */
export const formatValue = (value: number, unit: string): string => {
  if (!Number.isFinite(value)) return String(value)
  switch (unit) {
    case "ms":
      if (value >= 10_000) return `${fixed(value / 1000, 1)} s`
      return value >= 100 ? `${fixed(value, 0)} ms` : `${fixed(value, 2)} ms`
    case "bytes":
      return `${fixed(value / 1024, 1)} KiB`
    case "MiB":
      return `${fixed(value, 1)} MiB`
    case "ns/entry":
      return `${fixed(value, 1)} ns/entry`
    default:
      return `${Number.isInteger(value) ? value : fixed(value, 2)}${unit === "" ? "" : ` ${unit}`}`
  }
}

const comparisonOf = (row: Row) =>
  row.comparison === undefined
    ? ""
    : `${row.comparison.label}=${
        Math.abs(row.comparison.value) >= 100
          ? fixed(row.comparison.value, 0)
          : fixed(row.comparison.value, 2)
      }`

const verdict = (row: Row) => (row.pass === undefined ? "" : row.pass ? "met" : "MISSED")

/** The results as a plain-text table, one line per row, grouped by benchmark. */
export const renderTable = (results: ReadonlyArray<BenchResult>): string => {
  const header = ["id", "workload", "subject", "median", "min", "max", "vs", "target", "result"]
  const lines: Array<ReadonlyArray<string>> = [header]
  for (const result of results) {
    for (const row of result.rows)
      lines.push([
        result.id,
        row.workload,
        row.subject,
        formatValue(row.median, row.unit),
        formatValue(row.min, row.unit),
        formatValue(row.max, row.unit),
        comparisonOf(row),
        row.target ?? "",
        verdict(row),
      ])
    if (result.error !== undefined)
      lines.push([
        result.id,
        "ERROR",
        result.error.split("\n")[0]!.slice(0, 120),
        "",
        "",
        "",
        "",
        "",
        "",
      ])
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)))
  const render = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => (i >= 3 && i <= 5 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd()
  const out = [render(header), widths.map((w) => "-".repeat(w)).join("  ")]
  let previous = ""
  for (const line of lines.slice(1)) {
    if (previous !== "" && line[0] !== previous) out.push("")
    previous = line[0]!
    out.push(render(line))
  }
  return out.join("\n")
}
