import { inMemoryEnv } from "./harness/inMemoryEnv.ts"
import { apiFaults } from "./scenarios/faults.ts"
import { goAdoption } from "./scenarios/goAdoption.ts"
import { ownership } from "./scenarios/ownership.ts"

// Against the in-memory API server (harness/inMemoryEnv.ts); the other scenarios are in the
// sibling *.inmemory.test.ts files, which vitest runs in parallel with this one.
apiFaults(inMemoryEnv)
ownership(inMemoryEnv)
goAdoption(inMemoryEnv)
