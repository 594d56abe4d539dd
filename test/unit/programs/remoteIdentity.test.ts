import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { makeKubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { RemoteClustersInMemory } from "../../../layers/RemoteClusters.inMemory.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { scenarioLayer } from "../../acceptance/harness/Env.ts"
import {
  applyAsUser,
  configMap,
  reconcile,
  setSource,
  setStageSet,
  yamlOf,
} from "../../acceptance/harness/fixtures.ts"
import { embeddedKubeconfig } from "../../acceptance/harness/remoteKubeconfig.ts"

const SERVER = "https://remote.in-memory.invalid:6443"
const NS = "team"

/** A StageSet applying one ConfigMap to a remote cluster, reconciled once; who did what where. */
const run = (spec: Record<string, unknown>, defaultServiceAccount?: string, denied?: string) =>
  Effect.gen(function* () {
    const here = yield* makeKubeClientInMemory({ namespaces: [NS] })
    if (denied !== undefined) yield* here.driver.denyIdentity(denied, ["get"])
    const there = yield* makeKubeClientInMemory({ namespaces: [NS], identity: "tenant-user" })
    const layer = scenarioLayer(Layer.succeed(KubeClient, here.client), {
      mode: "hybrid",
      remoteClusters: RemoteClustersInMemory(() => new Map([[SERVER, there.client]])),
      config: { defaultServiceAccount },
    })
    const outcome = yield* Effect.gen(function* () {
      yield* applyAsUser({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "kc", namespace: NS },
        data: {
          value: Buffer.from(embeddedKubeconfig(SERVER, { token: "t" })).toString("base64"),
        },
      })
      yield* setSource(NS, "src", { "a.yaml": yamlOf([configMap("a")]) })
      yield* setStageSet(NS, "ss", [{ name: "s0", source: "src" }], {
        kubeConfig: { secretRef: { name: "kc" } },
        ...spec,
      })
      const report = yield* reconcile(NS, "ss")
      return report.outcome
    }).pipe(Effect.provide(layer))
    const secretReaders = (yield* here.driver.requestLog)
      .filter((r) => r.kind === "Secret" && r.name === "kc" && r.verb === "get")
      .map((r) => r.identity)
    const remoteAppliers = (yield* there.driver.writeLog)
      .filter((w) => w.verb === "apply" && w.key.kind === "ConfigMap")
      .map((w) => w.identity)
    return { outcome, secretReaders, remoteAppliers }
  })

describe("whose identity a remote cluster sees", () => {
  it.live("the StageSet's ServiceAccount reads the Secret here and is impersonated there", () =>
    Effect.gen(function* () {
      const result = yield* run({ serviceAccountName: "deployer" })
      expect(result.outcome).toEqual({ _tag: "Ready" })
      expect(new Set(result.secretReaders)).toEqual(
        new Set(["system:serviceaccount:team:deployer"]),
      )
      expect(result.remoteAppliers).toEqual(["system:serviceaccount:team:deployer"])
    }),
  )

  it.live(
    "--default-service-account reads the Secret here; there, the kubeconfig's user acts",
    () =>
      Effect.gen(function* () {
        const result = yield* run({}, "fallback")
        expect(result.outcome).toEqual({ _tag: "Ready" })
        expect(new Set(result.secretReaders)).toEqual(
          new Set(["system:serviceaccount:team:fallback"]),
        )
        expect(result.remoteAppliers).toEqual(["tenant-user"])
      }),
  )

  it.live("a Secret the StageSet's identity may not read is RBACDenied, naming it", () =>
    Effect.gen(function* () {
      const result = yield* run(
        { serviceAccountName: "deployer" },
        undefined,
        "system:serviceaccount:team:deployer",
      )
      expect(result.outcome._tag).toBe("Failed")
      if (result.outcome._tag === "Failed") {
        expect(result.outcome.failure.reason).toBe("RBACDenied")
        expect(result.outcome.failure.message).toMatch(
          /^spec\.kubeConfig\.secretRef: Secret team\/kc: /,
        )
      }
      expect(result.remoteAppliers).toEqual([])
    }),
  )
})
