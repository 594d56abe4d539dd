import { inMemoryEnv } from "./harness/inMemoryEnv.ts"
import { makeBeforeBreak } from "./scenarios/makeBeforeBreak.ts"

// Against the in-memory API server (harness/inMemoryEnv.ts); the other scenarios are in the
// sibling *.inmemory.test.ts files, which vitest runs in parallel with this one.
makeBeforeBreak(inMemoryEnv)
