import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Ref } from "effect"
import { makeControllerCli } from "../../../src/controller/controllerCli.ts"
import type { ControllerFlags } from "../../../src/controller/Flags.ts"

/** The flags the controller's body receives for a command line, or the usage error. */
const parse = (...args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const seen = yield* Ref.make<ControllerFlags | undefined>(undefined)
    const cli = makeControllerCli((flags) => Ref.set(seen, flags))
    yield* cli(["node", "main.ts", ...args]).pipe(Effect.provide(NodeContext.layer))
    return yield* Ref.get(seen)
  })

describe("--shards", () => {
  it.effect("defaults to 1: one leader (or none) reconciles everything, as before", () =>
    Effect.gen(function* () {
      expect((yield* parse())?.shards).toBe(1)
      expect((yield* parse("--shards=1", "--leader-elect=false"))?.shards).toBe(1)
    }),
  )

  it.effect("takes a count, with or without --leader-elect", () =>
    Effect.gen(function* () {
      expect((yield* parse("--shards=4"))?.shards).toBe(4)
      const flags = yield* parse("--shards", "4", "--leader-elect")
      expect(flags?.shards).toBe(4)
      expect(flags?.leaderElect).toEqual(Option.some(true))
    }),
  )

  it.effect("refuses 0 and a contradiction with --leader-elect=false, naming the flags", () =>
    Effect.gen(function* () {
      const zero = yield* Effect.flip(parse("--shards=0"))
      expect(JSON.stringify(zero)).toContain("--shards must be an integer >= 1")
      const contradiction = yield* Effect.flip(parse("--shards=4", "--leader-elect=false"))
      expect(JSON.stringify(contradiction)).toContain(
        "--shards=4 needs the shard Leases: it cannot be combined with --leader-elect=false",
      )
    }),
  )
})
