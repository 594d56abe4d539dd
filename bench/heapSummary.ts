/**
 * Summarises a V8 heap snapshot (BENCH_HEAP_SNAPSHOT, see bench/README.md): the heap by
 * object type and constructor, and, for the constructors named, the paths that keep their
 * objects alive, counted (each object's path to the GC roots through its nearest retainer,
 * as DevTools shows it first). A name is a constructor or a line's label (`string`, `code`,
 * `closure:f`). For comparing two builds' heaps without a browser.
 *
 *   node bench/heapSummary.ts <file.heapsnapshot> [--top=30] [--retainers=Name,Name] [--depth=8]
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: ReadonlyArray<string>
      readonly node_types: ReadonlyArray<ReadonlyArray<string> | string>
      readonly edge_fields: ReadonlyArray<string>
      readonly edge_types: ReadonlyArray<ReadonlyArray<string> | string>
    }
  }
  readonly nodes: ReadonlyArray<number>
  readonly edges: ReadonlyArray<number>
  readonly strings: ReadonlyArray<string>
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "30" },
    retainers: { type: "string", default: "" },
    depth: { type: "string", default: "8" },
  },
})
const file = positionals[0]
if (file === undefined) {
  console.error("usage: node bench/heapSummary.ts <file.heapsnapshot> [--top=N] [--retainers=A,B]")
  process.exit(2)
}
const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot
const meta = snap.snapshot.meta
const nodeFieldCount = meta.node_fields.length
const edgeFieldCount = meta.edge_fields.length
const nodeTypes = meta.node_types[0] as ReadonlyArray<string>
const edgeTypes = meta.edge_types[0] as ReadonlyArray<string>
const f = (name: string) => meta.node_fields.indexOf(name)
const [typeF, nameF, sizeF, edgeCountF] = [f("type"), f("name"), f("self_size"), f("edge_count")]
const [edgeTypeF, edgeNameF, edgeToF] = ["type", "name_or_index", "to_node"].map((n) =>
  meta.edge_fields.indexOf(n),
) as [number, number, number]
const nodeCount = snap.nodes.length / nodeFieldCount
const { nodes, edges, strings } = snap

const typeOf = (n: number) => nodeTypes[nodes[n * nodeFieldCount + typeF] as number] as string
const nameOf = (n: number) => strings[nodes[n * nodeFieldCount + nameF] as number] as string
const sizeOf = (n: number) => nodes[n * nodeFieldCount + sizeF] as number
/** What a node is, as a summary line names it: its constructor, or its kind for strings and code. */
const label = (n: number) => {
  const type = typeOf(n)
  return type === "object" || type === "closure" || type === "native"
    ? `${type}:${nameOf(n)}`
    : type
}

// Edges, forwards (each node's range) and backwards (retainers), skipping weak ones.
const firstEdge = new Uint32Array(nodeCount + 1)
for (let n = 0, e = 0; n < nodeCount; n++) {
  firstEdge[n] = e
  e += (nodes[n * nodeFieldCount + edgeCountF] as number) * edgeFieldCount
  firstEdge[n + 1] = e
}
const weak = edgeTypes.indexOf("weak")
const shortcut = edgeTypes.indexOf("shortcut")
const edgeName = (e: number) => {
  const type = edgeTypes[edges[e + edgeTypeF] as number]
  const raw = edges[e + edgeNameF] as number
  // Indices are left out, so that the paths of a map's or an array's members count as one.
  return type === "element" || type === "hidden" ? "[]" : (strings[raw] as string)
}

// Distance from the root (breadth first), as DevTools computes it for "nearest retainer".
const distance = new Int32Array(nodeCount).fill(-1)
const parent = new Int32Array(nodeCount).fill(-1)
const parentEdge = new Int32Array(nodeCount).fill(-1)
distance[0] = 0
let frontier = [0]
while (frontier.length > 0) {
  const next: Array<number> = []
  for (const n of frontier)
    for (let e = firstEdge[n] as number; e < (firstEdge[n + 1] as number); e += edgeFieldCount) {
      const type = edges[e + edgeTypeF] as number
      if (type === weak || type === shortcut) continue
      const to = (edges[e + edgeToF] as number) / nodeFieldCount
      if (distance[to] !== -1) continue
      distance[to] = (distance[n] as number) + 1
      parent[to] = n
      parentEdge[to] = e
      next.push(to)
    }
  frontier = next
}

// The heap by label.
const byLabel = new Map<string, { count: number; size: number }>()
let total = 0
for (let n = 0; n < nodeCount; n++) {
  if (distance[n] === -1) continue
  const key = label(n)
  const entry = byLabel.get(key) ?? { count: 0, size: 0 }
  entry.count++
  entry.size += sizeOf(n)
  total += sizeOf(n)
  byLabel.set(key, entry)
}
const mb = (bytes: number) => (bytes / 1e6).toFixed(2)
console.log(`${file}: ${nodeCount} nodes, ${mb(total)} MB reachable (self sizes)`)
const top = Number(values.top)
for (const [key, { count, size }] of [...byLabel]
  .sort((a, b) => b[1].size - a[1].size)
  .slice(0, top))
  console.log(`${mb(size).padStart(9)} MB ${String(count).padStart(8)}  ${key}`)

// For each constructor asked about: its objects' paths to the root, counted.
const depth = Number(values.depth)
for (const wanted of values.retainers.split(",").filter((s) => s !== "")) {
  const paths = new Map<string, number>()
  let matched = 0
  for (let n = 0; n < nodeCount; n++) {
    if (distance[n] === -1) continue
    if (label(n) !== wanted && (nameOf(n) !== wanted || typeOf(n) !== "object")) continue
    matched++
    const steps: Array<string> = []
    for (let at = n, i = 0; i < depth && parent[at] !== -1 && parent[at] !== 0; i++) {
      steps.push(`${edgeName(parentEdge[at] as number)} <- ${label(parent[at] as number)}`)
      at = parent[at] as number
    }
    const path = steps.join(" / ")
    paths.set(path, (paths.get(path) ?? 0) + 1)
  }
  console.log(`\n${wanted}: ${matched} objects; their paths to the root, most common first`)
  for (const [path, count] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`${String(count).padStart(8)}  ${path}`)
}
