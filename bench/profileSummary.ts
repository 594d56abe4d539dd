/**
 * Summarises a V8 .cpuprofile: the top functions by self time, and the project's own
 * functions (src/, layers/, schemas/) by inclusive time (a sample counts once per function
 * however often it recurs on the stack).
 *
 *   node bench/profileSummary.ts <file.cpuprofile> [--top 30] [--own <substring>]
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
  readonly startTime: number
  readonly endTime: number
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" }, own: { type: "string" } },
})
const top = Number(values.top)
const profile = JSON.parse(readFileSync(positionals[0]!, "utf8")) as Profile

const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id)

const shortUrl = (url: string) =>
  url.replace(/^file:\/\/\/work\/[^/]+\//, "").replace(/.*node_modules\//, "nm:")
const keyOf = (node: ProfileNode) =>
  `${node.callFrame.functionName || "(anonymous)"} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`
const own = (node: ProfileNode) =>
  values.own !== undefined
    ? node.callFrame.url.includes(values.own)
    : /\/(src|layers|schemas)\//.test(node.callFrame.url) &&
      !node.callFrame.url.includes("node_modules")

// Sample weights: each sample's time delta (µs), attributed to the sample's node.
const weight = new Map<number, number>()
for (const [i, id] of profile.samples.entries())
  weight.set(id, (weight.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
const total = [...weight.values()].reduce((a, b) => a + b, 0)

const self = new Map<string, number>()
const inclusive = new Map<string, number>()
for (const [id, us] of weight) {
  const node = byId.get(id)!
  self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + us)
  const seen = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)!
    if (!own(frame)) continue
    const key = keyOf(frame)
    if (seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + us)
  }
}

const print = (title: string, table: Map<string, number>) => {
  console.log(`\n${title}`)
  for (const [key, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`,
    )
}
console.log(`profile ${positionals[0]}: ${(total / 1000).toFixed(0)} ms sampled`)
print("self time", self)
print("inclusive time, own functions", inclusive)
