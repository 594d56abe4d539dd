import { inMemoryEnv } from "./harness/inMemoryEnv.ts"
import { backupRestore } from "./scenarios/backupRestore.ts"
import { badInput } from "./scenarios/badInput.ts"
import { compatibility } from "./scenarios/compatibility.ts"
import { conflicts } from "./scenarios/conflicts.ts"
import { crdThenCr } from "./scenarios/crdThenCr.ts"
import { driftHeal } from "./scenarios/driftHeal.ts"
import { inventoryBasics } from "./scenarios/inventoryBasics.ts"
import { lostInventory } from "./scenarios/lostInventory.ts"
import { modeSwitch } from "./scenarios/modeSwitch.ts"
import { nameCollision } from "./scenarios/nameCollision.ts"
import { noOpFastPath } from "./scenarios/noOpFastPath.ts"
import { remoteCluster, remoteClusterRefusals } from "./scenarios/remoteCluster.ts"
import { sharding } from "./scenarios/sharding.ts"
import { teardown } from "./scenarios/teardown.ts"
import { crossNamespaceRefs } from "./scenarios/tenancy.ts"

// Against the in-memory API server (harness/inMemoryEnv.ts); the other scenarios are in the
// sibling *.inmemory.test.ts files, which vitest runs in parallel with this one.
inventoryBasics(inMemoryEnv)
nameCollision(inMemoryEnv)
sharding(inMemoryEnv)
teardown(inMemoryEnv)
modeSwitch(inMemoryEnv)
crdThenCr(inMemoryEnv)
conflicts(inMemoryEnv)
driftHeal(inMemoryEnv)
lostInventory(inMemoryEnv)
badInput(inMemoryEnv)
backupRestore(inMemoryEnv)
noOpFastPath(inMemoryEnv)
compatibility(inMemoryEnv)
crossNamespaceRefs(inMemoryEnv)
remoteCluster(inMemoryEnv)
remoteClusterRefusals(inMemoryEnv)
