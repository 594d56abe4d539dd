import type { LookupAddress } from "node:dns"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { guardedLookup, type ResolveAll } from "../../../layers/artifact/guardedLookup.ts"
import {
  type AllowArtifactHosts,
  allowArtifactHosts,
  noArtifactHostsAllowed,
} from "../../../src/artifact/AllowArtifactHosts.ts"
import { ArtifactHostRefused } from "../../../src/artifact/ArtifactHostRefused.ts"

/** A resolver that answers each call with the next of `answers` (a rebinding DNS server). */
const scripted = (answers: ReadonlyArray<ReadonlyArray<string>>) => {
  let call = 0
  const resolve: ResolveAll = (_hostname, options, callback) => {
    expect(options.all).toBe(true)
    const answer = answers[Math.min(call++, answers.length - 1)]!
    callback(
      null,
      answer.map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 })),
    )
  }
  return resolve
}

/** One lookup as the socket makes it: `all` when it races the addresses, else one address. */
const lookup = (allow: AllowArtifactHosts, resolve: ResolveAll, hostname: string, all: boolean) =>
  Effect.async<unknown, unknown>((resume) =>
    guardedLookup(allow, resolve)(hostname, { all }, (error, address, family) =>
      resume(
        error === null ? Effect.succeed(all ? address : { address, family }) : Effect.fail(error),
      ),
    ),
  )

describe("guardedLookup", () => {
  it.effect("checks every answer when it is made: a name rebinding to loopback is refused", () =>
    Effect.gen(function* () {
      const resolve = scripted([["203.0.113.7"], ["127.0.0.1"]])
      expect(yield* lookup(noArtifactHostsAllowed, resolve, "rebind.test", false)).toEqual({
        address: "203.0.113.7",
        family: 4,
      })
      const refused = yield* Effect.flip(
        lookup(noArtifactHostsAllowed, resolve, "rebind.test", false),
      )
      expect(refused).toBeInstanceOf(ArtifactHostRefused)
      expect((refused as ArtifactHostRefused).message).toContain(
        "artifact host rebind.test resolves to 127.0.0.1, a loopback address",
      )
    }),
  )

  it.effect("refuses when any one address is blocked, in both calling conventions", () =>
    Effect.gen(function* () {
      const resolve = scripted([["203.0.113.7", "169.254.169.254"]])
      for (const all of [true, false]) {
        const refused = yield* Effect.flip(
          lookup(noArtifactHostsAllowed, resolve, "mixed.test", all),
        )
        expect((refused as ArtifactHostRefused).address).toBe("169.254.169.254")
      }
    }),
  )

  it.effect("returns what it resolved when nothing is blocked or the name is allowed", () =>
    Effect.gen(function* () {
      const resolve = scripted([["::1", "127.0.0.1"]])
      expect(yield* lookup(allowArtifactHosts("localhost"), resolve, "localhost", true)).toEqual([
        { address: "::1", family: 6 },
        { address: "127.0.0.1", family: 4 },
      ])
      expect(
        yield* lookup(allowArtifactHosts("::1", "127.0.0.0/8"), resolve, "localhost", false),
      ).toEqual({ address: "::1", family: 6 })
    }),
  )

  it.effect("passes resolver errors through", () =>
    Effect.gen(function* () {
      const failing: ResolveAll = (_hostname, _options, callback) => {
        const error: NodeJS.ErrnoException = new Error("getaddrinfo ENOTFOUND nowhere.test")
        error.code = "ENOTFOUND"
        callback(error, [])
      }
      const error = yield* Effect.flip(
        lookup(noArtifactHostsAllowed, failing, "nowhere.test", true),
      )
      expect((error as NodeJS.ErrnoException).code).toBe("ENOTFOUND")
    }),
  )
})
