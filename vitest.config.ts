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
    // The unit project's workers (the cluster project runs in a single fork of its own).
    // Vitest's default on two cores is one worker: every file after the other, each in a
    // fresh process that imports effect and src/ anew. The acceptance files mostly wait
    // (stage timeouts, readiness rechecks), so four workers overlap those waits with the
    // other files' CPU. A worker is kept from file to file, so the packages under
    // node_modules (effect above all) are imported once per worker, not once per file.
    // All four are started up front and kept (minForks): with a minimum of one, two runs in
    // four ended on a "Terminating worker thread" rejection (workers stopped while idle).
    poolOptions: { forks: { maxForks: 4, minForks: 4, isolate: false } },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/acceptance/**/*.inmemory.test.ts"],
          testTimeout: 30_000,
          pool: "forks",
          // Each file still gets its own src/ and test/ modules: sharing them too (false) was
          // faster but let one file's state leak into another's (a TestClock time seen in a
          // later file) and tripped a worker-termination error at the end of the run.
          isolate: true,
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
