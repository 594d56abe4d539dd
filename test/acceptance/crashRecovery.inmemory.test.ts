import { inMemoryEnv } from "./harness/inMemoryEnv.ts"
import { crashRecovery } from "./scenarios/crashRecovery.ts"

// Against the in-memory API server (harness/inMemoryEnv.ts); the other scenarios are in the
// sibling *.inmemory.test.ts files, which vitest runs in parallel with this one.
crashRecovery(inMemoryEnv)
