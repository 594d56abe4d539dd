import { ValidationError } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Option, Ref } from "effect"
import { makeControllerCli } from "../../../src/controller/controllerCli.ts"
import type { ControllerFlags } from "../../../src/controller/Flags.ts"

/** The flags the controller's body receives for a command line, or the usage error. */
const parse = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const seen = yield* Ref.make<ControllerFlags | undefined>(undefined)
    const cli = makeControllerCli((flags) => Ref.set(seen, flags))
    const outcome = yield* Effect.either(
      cli(["node", "main.ts", ...args]).pipe(
        Effect.provide(NodeContext.layer),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
      ),
    )
    return { outcome, flags: yield* Ref.get(seen) }
  })

describe("controller flags of the Go implementation", () => {
  it.effect("a bare --leader-elect turns leader election on, as Go's flag package reads it", () =>
    Effect.gen(function* () {
      expect((yield* parse(["--leader-elect"])).flags?.leaderElect).toEqual(Option.some(true))
      // Followed by another flag, it still stands alone.
      const both = yield* parse(["--leader-elect", "--concurrent", "2"])
      expect(both.flags?.leaderElect).toEqual(Option.some(true))
      expect(both.flags?.concurrent).toBe(2)
      expect((yield* parse(["--leader-elect=false"])).flags?.leaderElect).toEqual(
        Option.some(false),
      )
      expect((yield* parse(["--leader-elect=0"])).flags?.leaderElect).toEqual(Option.some(false))
      expect((yield* parse(["--leader-elect", "false"])).flags?.leaderElect).toEqual(
        Option.some(false),
      )
      // Not given: decided by where the process runs.
      expect((yield* parse([])).flags?.leaderElect).toEqual(Option.none())
    }),
  )

  it.effect("its flags for features this controller lacks are refused by name, never ignored", () =>
    Effect.gen(function* () {
      for (const args of [
        ["--enable-webhook=false"],
        ["--tracing-endpoint", "collector:4317"],
        ["--rollback-store-s3-bucket=b"],
        ["--enable-mcp"],
      ]) {
        const { outcome, flags } = yield* parse(args)
        expect(flags, args.join(" ")).toBeUndefined()
        expect(outcome._tag).toBe("Left")
        if (outcome._tag === "Left") {
          expect(ValidationError.isValidationError(outcome.left)).toBe(true)
          const name = args[0]?.split("=")[0] ?? ""
          expect(JSON.stringify(outcome.left)).toContain(
            `${name} is a flag of the Go stageset-controller`,
          )
        }
      }
    }),
  )

  it.effect("its flags for features we have keep their meaning, bare booleans included", () =>
    Effect.gen(function* () {
      const { flags } = yield* parse(["--no-cross-namespace-refs", "--leader-elect"])
      expect(flags?.noCrossNamespaceRefs).toBe(true)
      expect(flags?.leaderElect).toEqual(Option.some(true))
    }),
  )

  it.effect("durations take every Go unit (ns, us, µs as well)", () =>
    Effect.gen(function* () {
      const { flags } = yield* parse(["--default-interval=1500us", "--max-teardown-wait=90µs"])
      expect(flags && Duration.toMillis(flags.defaultInterval)).toBe(1.5)
      expect(flags && Duration.toMillis(flags.maxTeardownWait)).toBe(0.09)
      const nanos = yield* parse(["--default-interval=2000000ns"])
      expect(nanos.flags && Duration.toMillis(nanos.flags.defaultInterval)).toBe(2)
    }),
  )

  it.effect("--watch-namespaces falls back to STAGESET_WATCH_NAMESPACES, as Go's does", () =>
    Effect.gen(function* () {
      const fromEnv = yield* parse([], { STAGESET_WATCH_NAMESPACES: "team-a, team-b" })
      expect(fromEnv.flags?.watchNamespaces).toEqual(["team-a", "team-b"])
      const flagWins = yield* parse(["--watch-namespaces=team-c"], {
        STAGESET_WATCH_NAMESPACES: "team-a",
      })
      expect(flagWins.flags?.watchNamespaces).toEqual(["team-c"])
      expect((yield* parse([])).flags?.watchNamespaces).toEqual([])
      const bad = yield* parse([], { STAGESET_WATCH_NAMESPACES: "Not_A_Namespace" })
      expect(bad.outcome._tag).toBe("Left")
    }),
  )
})
