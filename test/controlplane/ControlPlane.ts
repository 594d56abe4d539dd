import { mkdir } from "node:fs/promises"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { KubeConfig } from "@kubernetes/client-node"
import { Effect, type Scope } from "effect"
import { makeAdminGet } from "./adminRequest.ts"
import { ControlPlaneError } from "./ControlPlaneError.ts"
import { type ControlPlaneCerts, generateCerts } from "./certs.ts"
import { createDataDir, releaseDataDir } from "./dataDir.ts"
import { ensureBinaries } from "./ensureBinaries.ts"
import { freePorts } from "./freePort.ts"
import { writeKubeconfig } from "./kubeconfigFile.ts"
import { logTail, type Supervised, spawnSupervised } from "./supervised.ts"

export { ControlPlaneError } from "./ControlPlaneError.ts"
export { ensureBinaries } from "./ensureBinaries.ts"

export interface ControlPlaneOptions {
  /** Where etcd, kube-apiserver and kube-controller-manager live; default: `ensureBinaries()`. */
  readonly binDir?: string
  /** kube-controller-manager controllers; empty: do not run it. */
  readonly controllers?: ReadonlyArray<string>
  /** Keep the temp dir (data, certs, logs) after stopping, for debugging. */
  readonly keepDataDir?: boolean
  /** Honour STAGESET_TEST_KUBECONFIG (default true). */
  readonly allowExternal?: boolean
  readonly readyTimeoutMs?: number
}

export interface ControlPlaneProcess {
  readonly name: string
  readonly pid: number
  readonly supervisorPid: number
  readonly logFile: string
}

export interface ControlPlane {
  readonly kubeconfigPath: string
  readonly server: string
  /** True when STAGESET_TEST_KUBECONFIG named an existing cluster and nothing was started. */
  readonly external: boolean
  readonly binDir?: string
  readonly dataDir?: string
  readonly certs?: ControlPlaneCerts
  readonly etcdEndpoint?: string
  /** The running components (changes after `restartApiServer`). */
  readonly processes: () => ReadonlyArray<ControlPlaneProcess>
  /** Stops every component and removes the temp dir; idempotent. Also the scope's finalizer. */
  readonly stop: Effect.Effect<void>
  /** Stops kube-apiserver and starts it again on the same port and etcd; waits until ready. */
  readonly restartApiServer: Effect.Effect<void, ControlPlaneError>
}

/** Enough for our semantics: namespace deletion, garbage collection, default ServiceAccounts. */
export const defaultControllers: ReadonlyArray<string> = [
  "namespace-controller",
  "garbage-collector-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
]

/** Starts etcd, kube-apiserver and kube-controller-manager on loopback; stopping is the scope's finalizer. */
export const startControlPlane = (
  options: ControlPlaneOptions = {},
): Effect.Effect<ControlPlane, ControlPlaneError, Scope.Scope> => {
  const external = process.env.STAGESET_TEST_KUBECONFIG
  if ((options.allowExternal ?? true) && external !== undefined && external !== "") {
    return Effect.try({
      try: () => useExternal(external),
      catch: (cause) => new ControlPlaneError({ message: `cannot read ${external}`, cause }),
    })
  }
  return Effect.acquireRelease(
    Effect.gen(function* () {
      const binDir = options.binDir ?? (yield* ensureBinaries())
      return yield* Effect.tryPromise({
        try: () => startLocal(binDir, options),
        catch: (cause) =>
          cause instanceof ControlPlaneError
            ? cause
            : new ControlPlaneError({
                message: `control plane failed to start: ${String(cause)}`,
                cause,
              }),
      })
    }),
    (plane) => plane.stop,
  )
}

const useExternal = (kubeconfigPath: string): ControlPlane => {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfigPath)
  const server = kc.getCurrentCluster()?.server
  if (server === undefined) throw new Error("the kubeconfig has no current cluster")
  return {
    kubeconfigPath,
    server,
    external: true,
    processes: () => [],
    stop: Effect.void,
    restartApiServer: Effect.fail(
      new ControlPlaneError({ message: "cannot restart the API server of an external cluster" }),
    ),
  }
}

const startLocal = async (binDir: string, options: ControlPlaneOptions): Promise<ControlPlane> => {
  const dataDir = await createDataDir()
  const running: Array<Supervised> = []
  let stopped = false
  let keepDataDir = options.keepDataDir ?? false
  const stopAll = async () => {
    if (stopped) return
    stopped = true
    // Reverse start order: clients of etcd go first, so nothing logs reconnect storms.
    for (const component of [...running].reverse()) await component.stop()
    await releaseDataDir(dataDir, keepDataDir)
  }
  try {
    await mkdir(join(dataDir, "logs"))
    const [certs, [etcdPort, etcdPeerPort, apiPort]] = await Promise.all([
      generateCerts(dataDir),
      freePorts(3),
    ])
    const etcdEndpoint = `http://127.0.0.1:${etcdPort}`
    const server = `https://127.0.0.1:${apiPort}`
    const kubeconfigPath = join(dataDir, "kubeconfig")
    await writeKubeconfig(kubeconfigPath, server, certs)
    const get = makeAdminGet(server, certs)
    const timeoutMs = options.readyTimeoutMs ?? 60_000
    const start = (name: string, args: ReadonlyArray<string>) =>
      spawnSupervised({
        name,
        command: join(binDir, name),
        args,
        logFile: join(dataDir, "logs", `${name}.log`),
      })

    const peer = `http://127.0.0.1:${etcdPeerPort}`
    running.push(
      await start("etcd", [
        ...["--name", "default", "--data-dir", join(dataDir, "etcd")],
        ...["--listen-client-urls", etcdEndpoint, "--advertise-client-urls", etcdEndpoint],
        ...["--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer],
        ...["--initial-cluster", `default=${peer}`],
        // Test data is disposable; fsync would dominate on slow disks.
        "--unsafe-no-fsync",
        "--log-level=warn",
      ]),
    )
    const apiServerArgs = [
      ...["--etcd-servers", etcdEndpoint],
      ...["--bind-address=127.0.0.1", `--secure-port=${apiPort}`, "--advertise-address=127.0.0.1"],
      ...["--tls-cert-file", certs.serverCertFile, "--tls-private-key-file", certs.serverKeyFile],
      ...["--client-ca-file", certs.caFile],
      ...["--cert-dir", join(dataDir, "apiserver")],
      // RBAC only, as in a real cluster: the admin passes because it is system:masters.
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      ...["--service-account-key-file", certs.serviceAccountPubFile],
      ...["--service-account-signing-key-file", certs.serviceAccountKeyFile],
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      "--profiling=false",
      // The lease reconciler refuses a loopback address for the kubernetes Service and logs it forever.
      "--endpoint-reconciler-type=none",
      "--shutdown-watch-termination-grace-period=2s",
      // Without a watch cache, a watch of PodTemplates is served by etcd, so a test can
      // provoke a real 410 Gone by compacting etcd. Nothing in the controller uses them.
      "--watch-cache-sizes=podtemplates#0",
    ]
    running.push(await start("kube-apiserver", apiServerArgs))
    await waitUntil("kube-apiserver /readyz", timeoutMs, running, async () => {
      return (await get("/readyz")).status === 200
    })
    // The bootstrap controllers create these shortly after readiness.
    for (const ns of ["default", "kube-system"])
      await waitUntil(`namespace ${ns}`, timeoutMs, running, async () => {
        return (await get(`/api/v1/namespaces/${ns}`)).status === 200
      })

    const controllers = options.controllers ?? defaultControllers
    if (controllers.length > 0) {
      running.push(
        await start("kube-controller-manager", [
          ...["--kubeconfig", kubeconfigPath, "--controllers", controllers.join(",")],
          ...["--service-account-private-key-file", certs.serviceAccountKeyFile],
          ...["--root-ca-file", certs.caFile],
          // No serving port: nothing scrapes it, and it saves the delegated-auth setup.
          "--secure-port=0",
          "--leader-elect=false",
          "--use-service-account-credentials=false",
          "--profiling=false",
        ]),
      )
      if (controllers.includes("serviceaccount-controller"))
        // Proves the controller manager is up and syncing, not just spawned.
        await waitUntil("kube-controller-manager", timeoutMs, running, async () => {
          return (await get("/api/v1/namespaces/default/serviceaccounts/default")).status === 200
        })
    }

    const restartApiServer = Effect.tryPromise({
      try: async () => {
        const index = running.findIndex((c) => c.name === "kube-apiserver")
        const old = running[index]
        if (old === undefined || stopped) throw new Error("the control plane is stopped")
        await old.stop()
        running[index] = await start("kube-apiserver", apiServerArgs)
        await waitUntil("kube-apiserver /readyz", timeoutMs, running, async () => {
          return (await get("/readyz")).status === 200
        })
      },
      catch: (cause) =>
        cause instanceof ControlPlaneError
          ? cause
          : new ControlPlaneError({ message: `restart failed: ${String(cause)}`, cause }),
    })

    return {
      kubeconfigPath,
      server,
      external: false,
      binDir,
      dataDir,
      certs,
      etcdEndpoint,
      processes: () =>
        running.map(({ name, pid, supervisorPid, logFile }) => ({
          name,
          pid,
          supervisorPid,
          logFile,
        })),
      stop: Effect.promise(stopAll),
      restartApiServer,
    }
  } catch (error) {
    // Keep the logs of a failed start around: they are the only clue.
    keepDataDir = true
    await stopAll()
    throw error
  }
}

const waitUntil = async (
  what: string,
  timeoutMs: number,
  running: ReadonlyArray<Supervised>,
  check: () => Promise<boolean>,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const dead = running.find((c) => c.exitCode() !== undefined)
    if (dead !== undefined)
      throw new ControlPlaneError({
        message: `${dead.name} exited with ${dead.exitCode()} while waiting for ${what}; log ${dead.logFile}:\n${await logTail(dead.logFile)}`,
      })
    if (await check()) return
    await sleep(100)
  }
  const last = running.at(-1)
  throw new ControlPlaneError({
    message: `timed out after ${timeoutMs}ms waiting for ${what}${last ? `; log ${last.logFile}:\n${await logTail(last.logFile)}` : ""}`,
  })
}
