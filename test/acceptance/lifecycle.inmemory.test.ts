import { inMemoryEnv } from "./harness/inMemoryEnv.ts"
import { dependsOn } from "./scenarios/dependsOn.ts"
import { lifecycle } from "./scenarios/lifecycle.ts"
import { readyExprs } from "./scenarios/readyExprs.ts"

// Against the in-memory API server (harness/inMemoryEnv.ts); the other scenarios are in the
// sibling *.inmemory.test.ts files, which vitest runs in parallel with this one.
lifecycle(inMemoryEnv)
readyExprs(inMemoryEnv)
dependsOn(inMemoryEnv)
