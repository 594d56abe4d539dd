import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
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

describe("--allow-artifact-hosts", () => {
  it.effect("defaults to no exceptions", () =>
    Effect.gen(function* () {
      const flags = yield* parse()
      expect(flags?.allowArtifactHosts.entries).toEqual([])
      expect(flags?.allowArtifactHosts.allowsAddress("127.0.0.1")).toBe(false)
    }),
  )

  it.effect("takes comma-separated names, addresses and ranges", () =>
    Effect.gen(function* () {
      const flags = yield* parse("--allow-artifact-hosts=localhost,127.0.0.1,fd00::/8")
      expect(flags?.allowArtifactHosts.entries).toEqual(["localhost", "127.0.0.1/32", "fd00::/8"])
      expect(flags?.allowArtifactHosts.allowsName("localhost")).toBe(true)
      expect(flags?.allowArtifactHosts.allowsAddress("fd00:ec2::254")).toBe(true)
    }),
  )

  it.effect("refuses an entry that is no host, address or range, naming it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(parse("--allow-artifact-hosts", "localhost,http://x"))
      expect(JSON.stringify(error)).toContain(
        '--allow-artifact-hosts: \\"http://x\\" is not a host name, an IP address or a CIDR range',
      )
    }),
  )
})
