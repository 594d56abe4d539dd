import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { dependencyCycle } from "../../../../src/programs/dependsOn/dependencyCycle.ts"

const graph = (edges: Record<string, ReadonlyArray<string>>) => (key: string) => edges[key]

describe("dependencyCycle", () => {
  it("names the path back to the StageSet, across namespaces", () => {
    expect(
      dependencyCycle("apps/web", graph({ "apps/web": ["infra/db"], "infra/db": ["apps/web"] })),
    ).toEqual(["apps/web", "infra/db", "apps/web"])
    expect(dependencyCycle("a/a", graph({ "a/a": ["a/a"] }))).toEqual(["a/a", "a/a"])
  })

  it("finds a shortest cycle through the start, past diamonds", () => {
    expect(
      dependencyCycle(
        "n/a",
        graph({ "n/a": ["n/b", "n/c"], "n/b": ["n/d"], "n/c": ["n/d"], "n/d": ["n/e", "n/a"] }),
      ),
    ).toEqual(["n/a", "n/b", "n/d", "n/a"])
  })

  it("is no cycle of the start when it only reaches one elsewhere, or a missing StageSet", () => {
    expect(
      dependencyCycle("n/a", graph({ "n/a": ["n/b"], "n/b": ["n/c"], "n/c": ["n/b"] })),
    ).toBeUndefined()
    expect(dependencyCycle("n/a", graph({ "n/a": ["n/gone"] }))).toBeUndefined()
    expect(dependencyCycle("n/a", graph({}))).toBeUndefined()
  })

  it("finds a cycle exactly when the start can reach itself, and the path follows edges", () => {
    const edgesArb = FastCheck.array(
      FastCheck.tuple(FastCheck.integer({ min: 0, max: 5 }), FastCheck.integer({ min: 0, max: 5 })),
      { maxLength: 12 },
    )
    FastCheck.assert(
      FastCheck.property(edgesArb, (pairs) => {
        const edges: Record<string, Array<string>> = {}
        for (const [from, to] of pairs)
          edges[`n/${from}`] = [...(edges[`n/${from}`] ?? []), `n/${to}`]
        const found = dependencyCycle("n/0", graph(edges))
        // Reachability by a plain fixpoint, to compare with.
        const reach = new Set(edges["n/0"] ?? [])
        for (let grew = true; grew; ) {
          grew = false
          for (const k of [...reach])
            for (const next of edges[k] ?? [])
              if (!reach.has(next)) {
                reach.add(next)
                grew = true
              }
        }
        expect(found !== undefined).toBe(reach.has("n/0"))
        if (found !== undefined) {
          expect(found[0]).toBe("n/0")
          expect(found.at(-1)).toBe("n/0")
          for (let i = 0; i + 1 < found.length; i++)
            expect(edges[found[i]!] ?? []).toContain(found[i + 1])
        }
      }),
    )
  })
})
