import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import { KustomizeForTests } from "../cluster/fixtures/kustomize.ts"
import { LiveKubeClient } from "../cluster/support.ts"
import type { AcceptanceEnv } from "./harness/Env.ts"
import { liveFaults } from "./harness/faultProxy.ts"
import { installCrds } from "./harness/installCrds.ts"
import { recordingKustomize } from "./harness/recordedKustomize.ts"
import { secondControlPlane } from "./harness/secondControlPlane.ts"
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
import { impersonation } from "./scenarios/impersonation.ts"
import { inventoryBasics } from "./scenarios/inventoryBasics.ts"
import { kubectlInterop } from "./scenarios/kubectlInterop.ts"
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
import { crossNamespaceRefs, tenancyRbac } from "./scenarios/tenancy.ts"

// Every scenario against the real kube-apiserver (local control plane or STAGESET_TEST_KUBECONFIG).
const second = secondControlPlane()
const env: AcceptanceEnv = {
  name: "live",
  kube: () => LiveKubeClient,
  faults: liveFaults,
  secondCluster: second.cluster,
  remoteCluster: second.remote,
  // Scenarios whose stages need kustomize pass it on: `scenarioLayer(..., { kustomize })`.
  // STAGESET_RECORD_KUSTOMIZE=1 keeps each build for the in-memory world to replay.
  kustomize:
    process.env.STAGESET_RECORD_KUSTOMIZE === "1"
      ? recordingKustomize(KustomizeForTests())
      : KustomizeForTests(),
}

beforeAll(() => Effect.runPromise(Effect.provide(installCrds, LiveKubeClient)), 120_000)
afterAll(second.stop, 60_000)

inventoryBasics(env)
nameCollision(env)
sharding(env)
impersonation(env)
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
kubectlInterop(env)
compatibility(env)
dependsOn(env)
goAdoption(env)
readyExprs(env)
crossNamespaceRefs(env)
tenancyRbac(env)
remoteCluster(env)
remoteClusterRefusals(env)
