import { describe, expect, it } from "@effect/vitest"
import {
  commonMode,
  type InventoryMode,
  isInventoryMode,
  modeWrites,
  recordSatisfies,
} from "../../../src/inventory/InventoryMode.ts"
import type { StageRecord } from "../../../src/inventory/StageRecord.ts"

type Kind = "hybrid" | "entries" | "applyset" | "none" | "unwritten"

const record = (stage: string, kind: Kind): StageRecord => ({
  namespace: "ns",
  stageSet: "set",
  stage,
  position: 0,
  shards: kind === "unwritten" ? [] : [{ index: 0, entries: [] }],
  tracksEntries: kind === "hybrid" || kind === "entries",
  applySet:
    kind === "hybrid" || kind === "applyset"
      ? {
          id: "applyset-x-v1",
          tooling: "stageset-controller/v0.1.0",
          groupKinds: [],
          additionalNamespaces: [],
        }
      : undefined,
})

describe("recordSatisfies", () => {
  it.each([
    ["hybrid", ["hybrid", "entries", "applyset"]],
    ["entries", ["entries"]],
    ["applyset", ["applyset"]],
    ["none", []],
  ] as const)("%s record satisfies %j", (kind, modes) => {
    expect(recordSatisfies(record("s", kind))).toEqual(modes)
  })
})

describe("commonMode", () => {
  const table: ReadonlyArray<
    readonly [ReadonlyArray<Kind>, InventoryMode, InventoryMode | undefined, ReadonlyArray<string>]
  > = [
    [["hybrid", "hybrid"], "hybrid", "hybrid", []],
    [["entries", "entries"], "entries", "entries", []],
    [["applyset", "applyset"], "applyset", "applyset", []],
    // switching hybrid -> entries: hybrid records already satisfy entries
    [["hybrid", "entries"], "entries", "entries", []],
    // switching entries -> hybrid: half way, stage s1 is behind
    [["hybrid", "entries"], "hybrid", "entries", ["s1"]],
    [["hybrid", "applyset"], "hybrid", "applyset", ["s1"]],
    [["hybrid", "applyset"], "applyset", "applyset", []],
    // entries <-> applyset have nothing in common during the switch
    [["entries", "applyset"], "applyset", undefined, ["s0"]],
    [["applyset", "entries", "entries"], "applyset", undefined, ["s1", "s2"]],
    // stages not written yet do not count
    [["hybrid", "unwritten"], "hybrid", "hybrid", []],
    [["unwritten"], "entries", "entries", []],
    [[], "applyset", "applyset", []],
  ]
  it.each(table)("%j configured %s -> %s behind %j", (kinds, configured, mode, behind) => {
    const records = kinds.map((kind, i) => record(`s${i}`, kind))
    expect(commonMode(records, configured)).toEqual({ mode, behind })
  })
})

describe("modeWrites", () => {
  it("follows semantics.md section 4", () => {
    expect(modeWrites("hybrid")).toEqual({
      tracksEntries: true,
      applySetMetadata: true,
      partOfLabel: true,
    })
    expect(modeWrites("entries")).toEqual({
      tracksEntries: true,
      applySetMetadata: false,
      partOfLabel: false,
    })
    expect(modeWrites("applyset")).toEqual({
      tracksEntries: false,
      applySetMetadata: true,
      partOfLabel: true,
    })
    expect(isInventoryMode("hybrid")).toBe(true)
    expect(isInventoryMode("Hybrid")).toBe(false)
  })
})
