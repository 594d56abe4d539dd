import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { defaultResources } from "../../../layers/inmemory/defaultResources.ts"
import { KubeClientInMemoryWith } from "../../../layers/KubeClient.inMemory.ts"
import { ActingClientOwn } from "../../../layers/StageIdentity.ts"
import { readyCheckKeys } from "../../../src/programs/phases/readyCheckKeys.ts"

const layer = KubeClientInMemoryWith({
  discovery: [
    ...defaultResources,
    {
      group: "events.k8s.io",
      version: "v1",
      kind: "Event",
      plural: "events",
      namespaced: true,
      hasStatus: false,
    },
  ],
  namespaces: ["payments"],
}).pipe((cluster) => Layer.provideMerge(ActingClientOwn, cluster))

describe("readyCheckKeys", () => {
  it.effect(
    "defaults what the Go implementation defaults: the served version, the StageSet's namespace for a namespaced kind",
    () =>
      Effect.gen(function* () {
        const keys = yield* readyCheckKeys("payments", [
          { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
          { kind: "Deployment", name: "api", namespace: "other" },
          { kind: "HorizontalPodAutoscaler", name: "web" },
          { kind: "CustomResourceDefinition", name: "ledgers.example.com", namespace: "payments" },
          { apiVersion: "example.com/v1", kind: "Ledger", name: "main" },
        ])
        expect(keys).toEqual([
          { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "payments" },
          { apiVersion: "apps/v1", kind: "Deployment", name: "api", namespace: "other" },
          // The group's preferred version.
          {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            name: "web",
            namespace: "payments",
          },
          // Cluster-scoped: a namespace written there is ignored.
          {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            name: "ledgers.example.com",
          },
          // Not served yet (its CRD may come with an earlier stage): waited for as written.
          { apiVersion: "example.com/v1", kind: "Ledger", name: "main" },
        ])
      }).pipe(Effect.provide(layer)),
  )

  it.effect("without apiVersion, a kind no group or several groups serve fails the stage", () =>
    Effect.gen(function* () {
      const unknown = yield* Effect.flip(
        readyCheckKeys("payments", [{ kind: "Ledger", name: "main" }]),
      )
      expect(unknown._tag).toBe("VerifyFailed")
      expect(unknown.message).toBe(
        "readyChecks.checks[0]: no served API has kind Ledger; set its apiVersion",
      )
      const ambiguous = yield* Effect.flip(
        readyCheckKeys("payments", [
          { kind: "ConfigMap", name: "a" },
          { kind: "Event", name: "e" },
        ]),
      )
      expect(ambiguous.message).toBe(
        "readyChecks.checks[1]: kind Event is served by core, events.k8s.io; set its apiVersion",
      )
    }).pipe(Effect.provide(layer)),
  )
})
