/**
 * Stands in for the `undici` package in the bundles (hack/build.ts). @effect/platform-node's
 * NodeHttpClient module imports undici at load time for its `layerUndici`, which this
 * project never uses: artifacts are fetched with `layerWithoutAgent` (node:http) and the
 * Kubernetes transport is our own. Evaluating undici's 1 MB cost ~5 MiB of RSS for the life
 * of every process (B5) and start-up time for every stagesetctl call (B10). If anything
 * ever does reach for it, it fails loudly, naming this file, instead of working silently
 * differently.
 */
const leftOut = (what: string): never => {
  throw new Error(
    `undici.${what}: undici is left out of the bundle (hack/stubs/undici.ts); use @effect/platform-node's NodeHttpClient.layerWithoutAgent`,
  )
}

export class Agent {
  constructor() {
    leftOut("Agent")
  }
}

export const getGlobalDispatcher = (): never => leftOut("getGlobalDispatcher")

export default {}
