import { defineConfig } from "vitest/config"

// CI reads a JSON report to print its one-line summary; locally the default reporter suffices.
const jsonReport = process.env.VITEST_JSON_REPORT

export default defineConfig({
  test: {
    ...(jsonReport === undefined
      ? {}
      : { reporters: ["default", ["json", { outputFile: jsonReport }]] }),
    // Stopping the control plane (cluster project) takes a few seconds.
    teardownTimeout: 60_000,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/acceptance/**/*.inmemory.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          // Against a real kube-apiserver: the local control plane, or STAGESET_TEST_KUBECONFIG.
          name: "cluster",
          include: ["test/cluster/**/*.test.ts", "test/acceptance/**/*.live.test.ts"],
          // Builds the binaries on the very first run (minutes), then starts one control plane.
          globalSetup: ["test/controlplane/globalSetup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One file at a time in one fork: the machine has two cores and the API server needs them.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
})
