import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { KubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { ActingClientOwn } from "../../../layers/StageIdentity.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { postBuildVariables, substitutes } from "../../../src/programs/postBuildVariables.ts"

const setUp = Effect.gen(function* () {
  const kube = yield* KubeClient
  yield* kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } })
  yield* kube.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "vars", namespace: "apps" },
    data: { REGION: "eu\nwest", TIER: "from-configmap", SIZE: "small" },
  })
  yield* kube.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "secrets", namespace: "apps" },
    data: {
      TIER: Buffer.from("from-secret").toString("base64"),
      TOKEN: Buffer.from("t0k3n-value").toString("base64"),
    },
  })
})

const stage = (postBuild: Parameters<typeof postBuildVariables>[1]["postBuild"]) => ({
  name: "app",
  postBuild,
})

describe("postBuildVariables", () => {
  it.effect("later objects win over earlier ones, substitute over all; newlines go", () =>
    Effect.gen(function* () {
      yield* setUp
      const variables = yield* postBuildVariables(
        "apps",
        stage({
          substitute: { SIZE: "large" },
          substituteFrom: [
            { kind: "ConfigMap", name: "vars", optional: false },
            { kind: "Secret", name: "secrets", optional: false },
            { kind: "ConfigMap", name: "absent", optional: true },
          ],
        }),
        2,
      )
      expect(Object.fromEntries(variables.values)).toEqual({
        REGION: "euwest",
        TIER: "from-secret",
        SIZE: "large",
        TOKEN: "t0k3n-value",
      })
      // Only values from Secrets are kept out of messages.
      expect([...variables.secret].sort()).toEqual(["from-secret", "t0k3n-value"])
    }).pipe(Effect.provide(ActingClientOwn.pipe(Layer.provideMerge(KubeClientInMemory)))),
  )

  it.effect("refuses names that are no shell variable names, naming where they come from", () =>
    Effect.gen(function* () {
      yield* setUp
      const inline = yield* Effect.flip(
        postBuildVariables("apps", stage({ substitute: { "app.name": "x" } }), 0),
      )
      expect(inline._tag).toBe("InvalidSpec")
      expect(inline.message).toBe(
        'spec.stages[0].postBuild.substitute: "app.name" is not a variable name (letters, digits and _, not starting with a digit)',
      )
      const kube = yield* KubeClient
      yield* kube.create({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "files", namespace: "apps" },
        data: { "config.yaml": "a: 1" },
      })
      const fromObject = yield* Effect.flip(
        postBuildVariables(
          "apps",
          stage({ substituteFrom: [{ kind: "ConfigMap", name: "files", optional: false }] }),
          1,
        ),
      )
      expect(fromObject._tag).toBe("BuildFailed")
      expect(fromObject.message).toBe(
        'ConfigMap apps/files (spec.stages[1].postBuild.substituteFrom[0]): key "config.yaml" is not a variable name (letters, digits and _, not starting with a digit)',
      )
    }).pipe(Effect.provide(ActingClientOwn.pipe(Layer.provideMerge(KubeClientInMemory)))),
  )

  it("substitutes only with a variable or an object to read them from, as Flux", () => {
    expect(substitutes(undefined)).toBe(false)
    expect(substitutes({})).toBe(false)
    expect(substitutes({ substitute: {} })).toBe(false)
    expect(substitutes({ substitute: { A: "1" } })).toBe(true)
    expect(substitutes({ substituteFrom: [{ kind: "Secret", name: "s", optional: true }] })).toBe(
      true,
    )
  })
})
