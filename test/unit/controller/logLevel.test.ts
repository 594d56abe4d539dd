import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FiberRef, type LogLevel, Ref } from "effect"
import { makeControllerCli } from "../../../src/controller/controllerCli.ts"
import { loggerLayer } from "../../../src/controller/loggerLayer.ts"

/** The minimum log level the controller's body runs at, for the given command line. */
const levelFor = (...args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const seen = yield* Ref.make<LogLevel.LogLevel | undefined>(undefined)
    const cli = makeControllerCli((flags) =>
      FiberRef.get(FiberRef.currentMinimumLogLevel).pipe(
        Effect.flatMap((level) => Ref.set(seen, level)),
        Effect.provide(loggerLayer(flags)),
      ),
    )
    yield* cli(["node", "main.ts", ...args]).pipe(Effect.provide(NodeContext.layer))
    return (yield* Ref.get(seen))?._tag
  })

describe("--log-level", () => {
  // @effect/cli has a built-in --log-level that takes some of these values before our own
  // option sees them; every documented value must still end up as the level the body logs at.
  it.effect.each([
    ["debug", "Debug"],
    ["info", "Info"],
    ["warn", "Warning"],
    ["error", "Error"],
  ] as const)("%s", ([flag, level]) =>
    Effect.gen(function* () {
      expect(yield* levelFor("--log-level", flag)).toBe(level)
      expect(yield* levelFor(`--log-level=${flag}`)).toBe(level)
    }),
  )

  it.effect("defaults to info", () =>
    Effect.gen(function* () {
      expect(yield* levelFor()).toBe("Info")
    }),
  )
})
