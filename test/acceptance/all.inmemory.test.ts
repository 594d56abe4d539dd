import { KubeClientInMemory } from "../../layers/KubeClient.inMemory.ts"
import type { AcceptanceEnv } from "./harness/Env.ts"
import { inventoryBasics } from "./scenarios/inventoryBasics.ts"
import { nameCollision } from "./scenarios/nameCollision.ts"

// Every scenario against the in-memory API server: a fresh cluster per test.
const env: AcceptanceEnv = { name: "in-memory", kube: () => KubeClientInMemory }

inventoryBasics(env)
nameCollision(env)
