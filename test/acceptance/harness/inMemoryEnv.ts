import { Effect, Layer } from "effect"
import { KubeClientInMemory, makeKubeClientInMemory } from "../../../layers/KubeClient.inMemory.ts"
import { RemoteClustersInMemory } from "../../../layers/RemoteClusters.inMemory.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { AcceptanceEnv } from "./Env.ts"
import { inMemoryFaults } from "./faultInjector.ts"
import { replayedKustomize } from "./recordedKustomize.ts"
import { embeddedKubeconfig } from "./remoteKubeconfig.ts"

/**
 * The in-memory world every `*.inmemory.test.ts` runs the scenarios in: a fresh cluster per
 * test. The scenarios are spread over several files so that vitest runs them side by side;
 * most of their time is waiting on stage timeouts and readiness rechecks, not CPU.
 */
export const inMemoryEnv: AcceptanceEnv = {
  name: "in-memory",
  kube: () => KubeClientInMemory,
  faults: inMemoryFaults,
  secondCluster: Layer.memoize(KubeClientInMemory),
  // No processes here: the builds the real binary did in the live world, replayed.
  kustomize: replayedKustomize(),
  // A fresh cluster per test, reached by the made-up server URL its kubeconfig names.
  remoteCluster: Effect.map(makeKubeClientInMemory(), ({ client }) => {
    const server = "https://remote.in-memory.invalid:6443"
    return {
      kube: Layer.succeed(KubeClient, client),
      kubeconfig: embeddedKubeconfig(server, { token: "in-memory-token" }),
      clusters: RemoteClustersInMemory(() => new Map([[server, client]])),
    }
  }),
}
