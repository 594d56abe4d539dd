/**
 * A path through `dependsOn` from `start` back to `start`, or undefined when there is none.
 * Keys are `namespace/name`; `dependsOnOf` gives a StageSet's dependencies, or undefined for
 * one that does not exist (a leaf: a missing dependency is waited for, not a cycle).
 * Breadth-first, so the cycle named is a shortest one through `start`; a cycle elsewhere in
 * the graph that `start` merely reaches is not `start`'s (its own members report it).
 */
export const dependencyCycle = (
  start: string,
  dependsOnOf: (key: string) => ReadonlyArray<string> | undefined,
): ReadonlyArray<string> | undefined => {
  const parent = new Map<string, string>()
  const queue: Array<string> = [start]
  for (let at = 0; at < queue.length; at++) {
    const key = queue[at]!
    for (const next of dependsOnOf(key) ?? []) {
      if (next === start) {
        const between: Array<string> = []
        for (let back = key; back !== start; back = parent.get(back)!) between.unshift(back)
        return [start, ...between, start]
      }
      if (parent.has(next)) continue
      parent.set(next, key)
      queue.push(next)
    }
  }
  return undefined
}
