import { Effect, Layer } from "effect"
import { KubeClientInMemory, makeKubeClientInMemory } from "../../layers/KubeClient.inMemory.ts"
import { RemoteClustersInMemory } from "../../layers/RemoteClusters.inMemory.ts"
import { KubeClient } from "../../src/kube/KubeClient.ts"
import type { AcceptanceEnv } from "./harness/Env.ts"
import { inMemoryFaults } from "./harness/faultInjector.ts"
import { replayedKustomize } from "./harness/recordedKustomize.ts"
import { embeddedKubeconfig } from "./harness/remoteKubeconfig.ts"
import { backupRestore } from "./scenarios/backupRestore.ts"
import { badInput } from "./scenarios/badInput.ts"
import { compatibility } from "./scenarios/compatibility.ts"
import { conflicts } from "./scenarios/conflicts.ts"
import { crashRecovery } from "./scenarios/crashRecovery.ts"
import { crdThenCr } from "./scenarios/crdThenCr.ts"
import { dependsOn } from "./scenarios/dependsOn.ts"
import { driftHeal } from "./scenarios/driftHeal.ts"
import { apiFaults } from "./scenarios/faults.ts"
import { goAdoption } from "./scenarios/goAdoption.ts"
import { inventoryBasics } from "./scenarios/inventoryBasics.ts"
import { lifecycle } from "./scenarios/lifecycle.ts"
import { lostInventory } from "./scenarios/lostInventory.ts"
import { makeBeforeBreak } from "./scenarios/makeBeforeBreak.ts"
import { modeSwitch } from "./scenarios/modeSwitch.ts"
import { nameCollision } from "./scenarios/nameCollision.ts"
import { noOpFastPath } from "./scenarios/noOpFastPath.ts"
import { ownership } from "./scenarios/ownership.ts"
import { readyExprs } from "./scenarios/readyExprs.ts"
import { remoteCluster, remoteClusterRefusals } from "./scenarios/remoteCluster.ts"
import { sharding } from "./scenarios/sharding.ts"
import { teardown } from "./scenarios/teardown.ts"
import { crossNamespaceRefs } from "./scenarios/tenancy.ts"

// Every scenario against the in-memory API server: a fresh cluster per test.
const env: AcceptanceEnv = {
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

inventoryBasics(env)
nameCollision(env)
sharding(env)
teardown(env)
modeSwitch(env)
crashRecovery(env)
ownership(env)
crdThenCr(env)
conflicts(env)
driftHeal(env)
lifecycle(env)
lostInventory(env)
badInput(env)
makeBeforeBreak(env)
apiFaults(env)
backupRestore(env)
noOpFastPath(env)
compatibility(env)
dependsOn(env)
goAdoption(env)
readyExprs(env)
crossNamespaceRefs(env)
remoteCluster(env)
remoteClusterRefusals(env)
