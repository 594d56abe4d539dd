import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { parse } from "yaml"
import {
  decodeStageInventory,
  encodeStageInventory,
  type StageInventoryEncoded,
} from "../../../schemas/StageInventory.ts"

// Verbatim from the seed (000_5db729302bb9754f.txt), comments included.
const seedYaml = `
apiVersion: stages.metio.wtf/v1
kind: StageInventory
metadata:
  name: payments-application-0          # <stageset>-<stage>-<shard>
  namespace: payments
  labels:
    stages.metio.wtf/stage-set: payments
    stages.metio.wtf/stage: application
    stages.metio.wtf/shard: "0"
spec:
  stagePosition: 1                       # the stage's index in spec.stages
  entries:                               # identifiers only — never object contents
    - id: payments_web_apps_Deployment   # namespace_name_group_kind
      v: apps/v1                         # the applied API version
    - id: payments_web__Service          # empty group → core/v1
      v: v1
`

const seed = parse(seedYaml) as StageInventoryEncoded

const withSpec = (spec: object): unknown => ({ ...seed, spec })

const rejection = (input: unknown) =>
  Effect.flip(decodeStageInventory(input)).pipe(Effect.map((error) => error.message))

describe("StageInventory", () => {
  it.effect("decodes the seed's example unchanged and round-trips it", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageInventory(seed)
      expect(decoded).toEqual(seed)
      expect(decoded.metadata.labels?.["stages.metio.wtf/shard"]).toBe("0")
      expect(decoded.spec.entries).toEqual([
        { id: "payments_web_apps_Deployment", v: "apps/v1" },
        { id: "payments_web__Service", v: "v1" },
      ])
      expect(encodeStageInventory(decoded)).toEqual(seed)
      expect(yield* decodeStageInventory(encodeStageInventory(decoded))).toEqual(decoded)
    }),
  )

  it.effect("accepts an applyset-mode shard 0 without entries, and keeps them absent", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageInventory(withSpec({ stagePosition: 0 }))
      expect(decoded.spec).toEqual({ stagePosition: 0 })
      expect(encodeStageInventory(decoded).spec).not.toHaveProperty("entries")
    }),
  )

  it.effect("accepts an empty entry list, distinct from none", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageInventory(withSpec({ stagePosition: 2, entries: [] }))
      expect(decoded.spec.entries).toEqual([])
    }),
  )

  it.effect("rejects a negative or fractional position, naming the field", () =>
    Effect.gen(function* () {
      expect(yield* rejection(withSpec({ stagePosition: -1 }))).toContain(
        "StageInventory payments/payments-application-0 is invalid: spec.stagePosition:",
      )
      expect(yield* rejection(withSpec({ stagePosition: 1.5 }))).toContain("spec.stagePosition:")
    }),
  )

  it.effect("reads an absent position as 0, as the Go implementation writes its first stage", () =>
    Effect.gen(function* () {
      const decoded = yield* decodeStageInventory(
        withSpec({ entries: [{ id: "payments_web_apps_Deployment", v: "apps/v1" }] }),
      )
      expect(decoded.spec.stagePosition).toBe(0)
    }),
  )

  it.effect("rejects an entry without an API version, naming the entry", () =>
    Effect.gen(function* () {
      const message = yield* rejection(
        withSpec({ stagePosition: 1, entries: [{ id: "a_b__Service", v: "v1" }, { id: "x" }] }),
      )
      expect(message).toContain("spec.entries[1].v: is missing")
    }),
  )

  it.effect("rejects a StageSet passed as an inventory", () =>
    Effect.gen(function* () {
      expect(yield* rejection({ ...seed, kind: "StageSet" })).toContain("kind: Expected")
    }),
  )
})
