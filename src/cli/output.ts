import { stringify } from "yaml"

export const OUTPUT_FORMATS = ["table", "yaml", "json"] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** Columns padded to their widest cell, separated by three spaces (kubectl's look). */
export const formatTable = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
): string => {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
      )
      .join("   ")
      .trimEnd()
  return [line(headers), ...rows.map(line)].join("\n")
}

export const formatYaml = (value: unknown): string =>
  stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 })

export const formatJson = (value: unknown): string => JSON.stringify(value, null, 2)

/** Several YAML documents joined by `---`. */
export const formatYamlDocuments = (values: ReadonlyArray<unknown>): string =>
  values.map((value) => formatYaml(value)).join("---\n")

/** `-o yaml|json` of structured data; the table is the command's own. */
export const formatStructured = (format: "yaml" | "json", value: unknown): string =>
  format === "json" ? formatJson(value) : formatYaml(value)
