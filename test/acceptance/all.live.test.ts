import { Effect } from "effect"
import { beforeAll } from "vitest"
import { LiveKubeClient } from "../cluster/support.ts"
import type { AcceptanceEnv } from "./harness/Env.ts"
import { installCrds } from "./harness/installCrds.ts"
import { inventoryBasics } from "./scenarios/inventoryBasics.ts"
import { nameCollision } from "./scenarios/nameCollision.ts"

// Every scenario against the real kube-apiserver (local control plane or STAGESET_TEST_KUBECONFIG).
const env: AcceptanceEnv = { name: "live", kube: () => LiveKubeClient }

beforeAll(() => Effect.runPromise(Effect.provide(installCrds, LiveKubeClient)), 120_000)

inventoryBasics(env)
nameCollision(env)
