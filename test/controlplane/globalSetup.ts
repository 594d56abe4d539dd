import { Effect, Exit, Scope } from "effect"
import type { TestProject } from "vitest/node"
import { startControlPlane } from "./ControlPlane.ts"
import { isAlive } from "./supervised.ts"

declare module "vitest" {
  export interface ProvidedContext {
    /** The kubeconfig of the cluster the `cluster` project runs against. */
    kubeconfig: string
    /** Pids of the local control plane's components (empty for STAGESET_TEST_KUBECONFIG). */
    controlPlanePids: ReadonlyArray<number>
    /** etcd's client URL of the local control plane; "" for STAGESET_TEST_KUBECONFIG. */
    etcdEndpoint: string
  }
}

/**
 * One control plane for the whole `cluster` run: builds the binaries first
 * (only the first run pays), starts etcd + kube-apiserver + controller manager,
 * and checks at teardown that none of their processes outlived the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scope = Effect.runSync(Scope.make())
  const started = Date.now()
  const plane = await Effect.runPromise(Scope.extend(startControlPlane(), scope))
  const processes = plane.processes()
  process.stderr.write(
    plane.external
      ? `control plane: using ${plane.kubeconfigPath} (STAGESET_TEST_KUBECONFIG)\n`
      : `control plane: ${plane.server} ready in ${Date.now() - started} ms (data ${plane.dataDir})\n`,
  )
  project.provide("kubeconfig", plane.kubeconfigPath)
  project.provide("etcdEndpoint", plane.etcdEndpoint ?? "")
  project.provide(
    "controlPlanePids",
    processes.flatMap((p) => [p.pid, p.supervisorPid]),
  )
  return async () => {
    const all = plane.processes()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    const stray = all.filter((p) => isAlive(p.pid) || isAlive(p.supervisorPid))
    if (stray.length > 0)
      throw new Error(
        `control plane processes survived stop: ${stray.map((p) => `${p.name} ${p.pid}`).join(", ")}`,
      )
  }
}
