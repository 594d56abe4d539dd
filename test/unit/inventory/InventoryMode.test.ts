import { describe, expect, it } from "@effect/vitest"
import {
  commonMode,
  type InventoryMode,
  isInventoryMode,
  modeWrites,
  recordMode,
} from "../../../src/inventory/InventoryMode.ts"
import type { StageRecord } from "../../../src/inventory/StageRecord.ts"

/** A stored record: annotated with a mode, or as an earlier version wrote it (no annotation). */
type Kind =
  | InventoryMode
  | "legacy-hybrid"
  | "legacy-entries"
  | "legacy-applyset"
  | "none"
  | "unwritten"

const applySet = {
  id: "applyset-x-v1",
  tooling: "stageset-controller/v0.1.0",
  groupKinds: [],
  additionalNamespaces: [],
}

const record = (stage: string, kind: Kind): StageRecord => ({
  namespace: "ns",
  stageSet: "set",
  stage,
  position: 0,
  shards: kind === "unwritten" ? [] : [{ index: 0, entries: [] }],
  tracksEntries: !(kind === "legacy-applyset" || kind === "none"),
  applySet: ["hybrid", "applyset", "legacy-hybrid", "legacy-applyset"].includes(kind)
    ? applySet
    : undefined,
  mode: isInventoryMode(kind) ? kind : undefined,
})

describe("recordMode", () => {
  it.each([
    ["hybrid", "hybrid"],
    ["entries", "entries"],
    ["applyset", "applyset"],
    ["legacy-hybrid", "hybrid"],
    ["legacy-entries", "entries"],
    ["legacy-applyset", "applyset"],
    ["none", undefined],
    ["unwritten", undefined],
  ] as const)("a %s record is in mode %s", (kind, mode) => {
    expect(recordMode(record("s", kind))).toBe(mode)
  })
})

describe("commonMode", () => {
  const table: ReadonlyArray<
    readonly [ReadonlyArray<Kind>, InventoryMode, InventoryMode, ReadonlyArray<string>]
  > = [
    [["hybrid", "hybrid"], "hybrid", "hybrid", []],
    [["entries", "entries"], "entries", "entries", []],
    [["applyset", "applyset"], "applyset", "applyset", []],
    // switching hybrid -> entries: s0 still in hybrid, so the status says hybrid until settled
    [["hybrid", "entries"], "entries", "hybrid", ["s0"]],
    // switching entries -> hybrid: half way, stage s1 is behind
    [["hybrid", "entries"], "hybrid", "entries", ["s1"]],
    [["hybrid", "applyset"], "applyset", "hybrid", ["s0"]],
    [["entries", "applyset"], "applyset", "entries", ["s0"]],
    // the records behind disagree: the most common of theirs
    [["applyset", "entries", "entries", "hybrid"], "applyset", "entries", ["s1", "s2", "s3"]],
    // records of an earlier version count by what they hold
    [["legacy-applyset", "applyset"], "applyset", "applyset", []],
    [["legacy-hybrid"], "entries", "hybrid", ["s0"]],
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
  it("follows semantics.md section 4: entries in every mode, applyset also prunes by label", () => {
    expect(modeWrites("hybrid")).toEqual({
      applySetMetadata: true,
      partOfLabel: true,
      prunesDiscovered: false,
    })
    expect(modeWrites("entries")).toEqual({
      applySetMetadata: false,
      partOfLabel: false,
      prunesDiscovered: false,
    })
    expect(modeWrites("applyset")).toEqual({
      applySetMetadata: true,
      partOfLabel: true,
      prunesDiscovered: true,
    })
    expect(isInventoryMode("hybrid")).toBe(true)
    expect(isInventoryMode("Hybrid")).toBe(false)
  })
})
