import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { readdir, readFile, rm } from "node:fs/promises"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { Duration, Effect, Schedule, type Scope } from "effect"
import { pack } from "tar-stream"
import { parseAllDocuments } from "yaml"
import type { KubeClientApi } from "../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../src/kube/KubeObject.ts"
import { freePorts } from "../../test/controlplane/freePort.ts"
import { logTail, spawnSupervised } from "../../test/controlplane/supervised.ts"
import type { BenchContext } from "./config.ts"
import { manifestFiles } from "./manifests.ts"
import { withNamespace } from "./namespaces.ts"
import type { Timed } from "./subjects.ts"

/**
 * Flux's kustomize-controller as a benchmark subject (B1, B2): the binary hack/build-flux.sh
 * builds from its Go module, run as a process against the same cluster, fed by an
 * ExternalArtifact whose `status.artifact` points at a tar.gz this process serves on
 * loopback (no source-controller: the harness writes the status the way it would).
 */

const root = fileURLToPath(new URL("../../", import.meta.url))
const buildScript = `${root}hack/build-flux.sh`

export const FLUX = "Flux kustomize-controller"
export const KUSTOMIZE_API_VERSION = "kustomize.toolkit.fluxcd.io/v1"
export const SOURCE_API_VERSION = "source.toolkit.fluxcd.io/v1"
/**
 * Why Flux is compared with the controller without its qps limit: kustomize-controller's
 * --kube-api-qps/--kube-api-burst only apply when the API server has no API Priority and
 * Fairness (on by default since Kubernetes 1.20); with it, Flux's client probes
 * /livez/ping once at start-up, sees the flow-schema response header and turns client-side
 * throttling off (fluxcd/pkg/runtime client.GetConfigOrDie). The harness passes 50/100 all
 * the same.
 */
export const FLUX_THROTTLING_NOTE =
  "Flux is given --kube-api-qps=50 --kube-api-burst=100 like the controller, but ignores them on an API server with API Priority and Fairness (every server since Kubernetes 1.20, this one too): it then turns client-side throttling off. Like for like is therefore the controller without its qps limit, which the flux/controller target uses; flux/controller(qps 50) is in the notes"

/** The name of the ExternalArtifact and of the Kustomization in a measured namespace. */
export const FLUX_OBJECT = "bench"

export interface FluxBuild {
  readonly binary: string
  /** The Kustomization CRD and the source CRDs it watches (hack/build-flux.sh). */
  readonly crdDir: string
}

/** Runs hack/build-flux.sh (cached after the first build, minutes before); stdout's last line is the binary. */
const runBuild = (): Promise<FluxBuild> =>
  new Promise((resolve, reject) => {
    const child = spawn("bash", [buildScript], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    child.once("error", reject)
    child.once("close", (code) => {
      const binary = out.trim().split("\n").at(-1) ?? ""
      if (code === 0 && binary !== "")
        resolve({ binary, crdDir: join(dirname(dirname(binary)), "crds") })
      else reject(new Error(`hack/build-flux.sh exited with ${code}`))
    })
  })

let built: Promise<FluxBuild> | undefined
/** The kustomize-controller binary and its CRDs, built once per machine (hack/build-flux.sh). */
export const ensureFlux: Effect.Effect<FluxBuild> = Effect.promise(() => {
  built ??= runBuild()
  return built
})

const isEstablished = (crd: KubeObject): boolean =>
  (
    (crd.status as { conditions?: ReadonlyArray<{ type: string; status: string }> } | undefined)
      ?.conditions ?? []
  ).some((c) => c.type === "Established" && c.status === "True")

let installed = false
/**
 * Installs Flux's CRDs from `crdDir` (once per run) and waits until they are served. An
 * existing definition is replaced whole (PUT): the cluster tests install minimal stand-ins
 * for the source kinds, which a field-wise merge would leave half in place.
 */
export const installFluxCrds = (kube: KubeClientApi, crdDir: string) =>
  Effect.gen(function* () {
    if (installed) return
    const files = (yield* Effect.promise(() => readdir(crdDir)))
      .filter((f) => f.endsWith(".yaml"))
      .sort()
    for (const file of files) {
      const text = yield* Effect.promise(() => readFile(join(crdDir, file), "utf8"))
      for (const doc of parseAllDocuments(text)) {
        const crd = doc.toJSON() as KubeObject | null
        if (crd === null || crd.kind !== "CustomResourceDefinition") continue
        const key = { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name }
        yield* kube.get(key).pipe(
          Effect.flatMap((live) =>
            kube.update({
              ...crd,
              metadata: { ...crd.metadata, resourceVersion: live.metadata.resourceVersion! },
            }),
          ),
          Effect.catchTag("KubeNotFound", () => kube.create(crd)),
          Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("10 seconds"))),
        )
        yield* kube.get(key).pipe(
          Effect.filterOrFail(isEstablished, () => new Error(`${key.name} not established`)),
          Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("60 seconds"))),
        )
      }
    }
    yield* kube.invalidateDiscovery
    installed = true
  }).pipe(Effect.orDie)

/** A loopback HTTP server handing out artifacts, what source-controller's storage serves. */
export interface ArtifactServer {
  /** Serves `bytes` at `path` (leading `/`); returns the URL. */
  readonly serve: (path: string, bytes: Uint8Array) => string
}

export const artifactServer: Effect.Effect<ArtifactServer, never, Scope.Scope> = Effect.gen(
  function* () {
    const files = new Map<string, Uint8Array>()
    const server = createServer((request, response) => {
      const bytes = files.get(request.url ?? "/")
      if (bytes === undefined) response.writeHead(404).end()
      else
        response
          .writeHead(200, {
            "content-type": "application/gzip",
            "content-length": String(bytes.length),
          })
          .end(bytes)
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () =>
          resume(Effect.succeed((server.address() as AddressInfo).port)),
        )
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        }),
    )
    return {
      serve: (path, bytes) => {
        files.set(path, bytes)
        return `http://127.0.0.1:${port}${path}`
      },
    }
  },
)

/** An artifact ready to publish: the tar.gz and what `status.artifact` says about it. */
export interface PackedArtifact {
  readonly bytes: Buffer
  /** `sha256:<hex>` of the tar.gz, which kustomize-controller verifies after the download. */
  readonly digest: string
  readonly revision: string
}

/** The stage's manifest files (support/manifests.ts, the same the ConfigMap source holds) as a tar.gz. */
export const packArtifact = (names: ReadonlyArray<string>): Effect.Effect<PackedArtifact> =>
  Effect.promise(async () => {
    const archive = pack()
    for (const [name, content] of Object.entries(manifestFiles(names)))
      archive.entry({ name, type: "file", mode: 0o644 }, content)
    archive.finalize()
    const chunks: Array<Buffer> = []
    for await (const chunk of archive) chunks.push(chunk as Buffer)
    const bytes = gzipSync(Buffer.concat(chunks))
    const hex = createHash("sha256").update(bytes).digest("hex")
    return { bytes, digest: `sha256:${hex}`, revision: `latest@sha256:${hex}` }
  })

/** RFC 3339 without fractional seconds, as metav1.Time serialises. */
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z")

interface Condition {
  readonly type: string
  readonly status: string
  readonly reason?: string
  readonly message?: string
}

interface KustomizationStatus {
  readonly observedGeneration?: number
  readonly lastAppliedRevision?: string
  readonly lastAttemptedRevision?: string
  readonly lastHandledReconcileAt?: string
  readonly conditions?: ReadonlyArray<Condition>
}

const statusOf = (o: KubeObject): KustomizationStatus =>
  (o.status as KustomizationStatus | undefined) ?? {}

const readyOf = (o: KubeObject) => statusOf(o).conditions?.find((c) => c.type === "Ready")

/** Ready=True for the current generation. */
const isReady = (o: KubeObject) =>
  readyOf(o)?.status === "True" && statusOf(o).observedGeneration === o.metadata.generation

export interface FluxProcess {
  readonly pid: number
  readonly metricsUrl: string
  readonly logFile: string
}

/** Client-go's request counter of the process (controller-runtime's registry), summed by method. */
export const fluxRequests = (metricsUrl: string) =>
  Effect.tryPromise(async () => {
    const text = await (await fetch(metricsUrl)).text()
    const byMethod: Record<string, number> = {}
    for (const line of text.split("\n")) {
      if (!line.startsWith("rest_client_requests_total{")) continue
      const method = /method="([^"]+)"/.exec(line)?.[1] ?? "?"
      const value = Number(line.slice(line.lastIndexOf(" ") + 1))
      if (Number.isFinite(value)) byMethod[method] = (byMethod[method] ?? 0) + value
    }
    return byMethod
  }).pipe(Effect.orElseSucceed((): Record<string, number> => ({})))

export interface FluxRequests {
  readonly requests: number
  readonly byMethod: Readonly<Record<string, number>>
}

const delta = (
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): FluxRequests => {
  const byMethod: Record<string, number> = {}
  for (const [method, value] of Object.entries(after)) {
    const d = value - (before[method] ?? 0)
    if (d !== 0) byMethod[method] = d
  }
  return { requests: Object.values(byMethod).reduce((a, b) => a + b, 0), byMethod }
}

/** The limits and concurrency the controller runs with by default, given to Flux alike. */
export interface FluxSettings {
  /** `--concurrent`: Kustomizations reconciled in parallel (ours: StageSets, default 4). */
  readonly concurrent: number
  /** `--concurrent-ssa`: apply requests in flight (ours: `--apply-concurrency`, default 16). */
  readonly concurrentSsa: number
  readonly qps: number
  readonly burst: number
}

let started = 0

/**
 * kustomize-controller against the cluster under the control plane's supervisor (it cannot
 * outlive the harness); stopped (SIGTERM) when the scope closes. Returns once `/readyz`
 * answers 200. Flags: every namespace, cross-namespace references allowed, the
 * ExternalArtifact feature gate on (the source kind the harness feeds it), no leader
 * election, no events receiver (Kubernetes events only), JSON logs at info to a file.
 */
export const startFlux = (
  build: FluxBuild,
  kubeconfig: string,
  settings: FluxSettings,
): Effect.Effect<FluxProcess, never, Scope.Scope> =>
  Effect.gen(function* () {
    const [metricsPort, healthPort] = yield* Effect.promise(() => freePorts(2))
    const logFile = join(tmpdir(), `stageset-bench-flux-${process.pid}-${++started}.log`)
    const proc = yield* Effect.acquireRelease(
      Effect.promise(() =>
        spawnSupervised({
          name: "kustomize-controller",
          command: build.binary,
          args: [
            `--metrics-addr=127.0.0.1:${metricsPort}`,
            `--health-addr=127.0.0.1:${healthPort}`,
            "--watch-all-namespaces=true",
            "--no-cross-namespace-refs=false",
            `--concurrent=${settings.concurrent}`,
            `--concurrent-ssa=${settings.concurrentSsa}`,
            `--kube-api-qps=${settings.qps}`,
            `--kube-api-burst=${settings.burst}`,
            "--feature-gates=ExternalArtifact=true",
            "--enable-leader-election=false",
            "--log-level=info",
            "--log-encoding=json",
          ],
          logFile,
          // It has no --kubeconfig flag: controller-runtime reads KUBECONFIG. RUNTIME_NAMESPACE
          // is only read with --watch-all-namespaces off, or for SOPS keys; set for completeness.
          env: { ...process.env, KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: "default" },
          graceSeconds: 10,
        }),
      ),
      (p) =>
        Effect.promise(() =>
          p
            .stop()
            .then(() =>
              Promise.all([rm(logFile, { force: true }), rm(`${logFile}.pid`, { force: true })]),
            ),
        ),
    )
    yield* Effect.tryPromise(async () => {
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`)
      await response.text()
      return response.status
    }).pipe(
      Effect.filterOrFail((status) => status === 200),
      Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo(Duration.seconds(60)))),
      Effect.catchAll(() =>
        Effect.flatMap(
          Effect.promise(() => logTail(logFile, 40)),
          (tail) =>
            Effect.dieMessage(`kustomize-controller did not become ready; its log:\n${tail}`),
        ),
      ),
    )
    return {
      pid: proc.pid,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      logFile,
    } satisfies FluxProcess
  })

const kustomizationKey = (namespace: string) => ({
  apiVersion: KUSTOMIZE_API_VERSION,
  kind: "Kustomization",
  namespace,
  name: FLUX_OBJECT,
})

const sourceKey = (namespace: string) => ({
  apiVersion: SOURCE_API_VERSION,
  kind: "ExternalArtifact",
  namespace,
  name: FLUX_OBJECT,
})

/** What a Flux measurement took: wall time and the process's own API requests over it. */
export interface FluxTimed extends Timed {
  readonly flux: FluxRequests
}

export interface FluxSubject {
  /**
   * Serves the artifact and writes it into the namespace's ExternalArtifact (created on the
   * first call) through the status subresource, with Ready=True: what source-controller
   * does when it has stored a new revision.
   */
  readonly publish: (namespace: string, artifact: PackedArtifact) => Effect.Effect<void>
  /**
   * Creates the Kustomization (the artifact is published already) and waits until it is
   * Ready for `revision`: the first apply. The clock runs from the create.
   */
  readonly firstApply: (namespace: string, revision: string) => Effect.Effect<FluxTimed>
  /**
   * Requests a reconcile with `reconcile.fluxcd.io/requestedAt` and waits until
   * `status.lastHandledReconcileAt` echoes it with Ready=True.
   */
  readonly reconcileAgain: (namespace: string) => Effect.Effect<FluxTimed>
  /** Publishes `artifact` (clock starts there) and waits until it is applied, Ready=True. */
  readonly applyRevision: (namespace: string, artifact: PackedArtifact) => Effect.Effect<FluxTimed>
  /**
   * Removes the Kustomization without letting Flux finalise it (its finalizer is dropped
   * first), so no clean-up of the objects competes with the next measurement.
   */
  readonly remove: (namespace: string) => Effect.Effect<void>
}

export const makeFluxSubject = (
  kube: KubeClientApi,
  proc: FluxProcess,
  server: ArtifactServer,
  options: { readonly timeout: Duration.DurationInput; readonly poll?: Duration.DurationInput },
): FluxSubject => {
  const poll = Duration.toMillis(options.poll ?? "50 millis")
  const timeoutMs = Duration.toMillis(options.timeout)
  let token = 0

  /** Polls the Kustomization until `done`; ms from `since`. Dies with its Ready condition and the log's tail on timeout. */
  const waitFor = (namespace: string, since: number, done: (k: KubeObject) => boolean) =>
    Effect.gen(function* () {
      let last: KubeObject | undefined
      while (performance.now() - since < timeoutMs) {
        const tick = performance.now()
        const live = yield* kube
          .get(kustomizationKey(namespace))
          .pipe(Effect.orElseSucceed(() => undefined))
        if (live !== undefined) {
          last = live
          if (done(live)) return performance.now() - since
        }
        yield* Effect.sleep(Duration.millis(Math.max(0, poll - (performance.now() - tick))))
      }
      const tail = yield* Effect.promise(() => logTail(proc.logFile, 20))
      return yield* Effect.dieMessage(
        `${namespace}: the Kustomization was not done within ${Duration.format(options.timeout)}; status ${JSON.stringify(last === undefined ? undefined : statusOf(last))}; kustomize-controller's log:\n${tail}`,
      )
    })

  const measure = (
    namespace: string,
    start: Effect.Effect<void>,
    done: (k: KubeObject) => boolean,
  ) =>
    Effect.gen(function* () {
      const before = yield* fluxRequests(proc.metricsUrl)
      const since = performance.now()
      yield* start
      const ms = yield* waitFor(namespace, since, done)
      const after = yield* fluxRequests(proc.metricsUrl)
      return { ms, flux: delta(before, after) } satisfies FluxTimed
    })

  const appliedRevision = (revision: string) => (k: KubeObject) =>
    isReady(k) && statusOf(k).lastAppliedRevision === revision

  const publish = (namespace: string, artifact: PackedArtifact) =>
    Effect.gen(function* () {
      const hex = artifact.digest.slice("sha256:".length)
      const path = `externalartifact/${namespace}/${FLUX_OBJECT}/${hex}.tar.gz`
      const url = server.serve(`/${path}`, artifact.bytes)
      const current = yield* kube.get(sourceKey(namespace)).pipe(
        Effect.catchTag("KubeNotFound", () =>
          kube.create({
            apiVersion: SOURCE_API_VERSION,
            kind: "ExternalArtifact",
            metadata: { name: FLUX_OBJECT, namespace },
            spec: {},
          }),
        ),
      )
      const at = now()
      yield* kube.updateStatus({
        ...current,
        status: {
          artifact: {
            path,
            url,
            revision: artifact.revision,
            digest: artifact.digest,
            lastUpdateTime: at,
            size: artifact.bytes.length,
          },
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "Succeeded",
              message: `stored artifact for revision '${artifact.revision}'`,
              lastTransitionTime: at,
              observedGeneration: current.metadata.generation ?? 1,
            },
          ],
        },
      })
    }).pipe(Effect.orDie)

  const firstApply = (namespace: string, revision: string) =>
    measure(
      namespace,
      kube
        .create({
          apiVersion: KUSTOMIZE_API_VERSION,
          kind: "Kustomization",
          metadata: { name: FLUX_OBJECT, namespace },
          spec: {
            sourceRef: { kind: "ExternalArtifact", name: FLUX_OBJECT },
            path: "./",
            // Only the harness's triggers reconcile it within a run.
            interval: "60m",
            retryInterval: "10s",
            timeout: "30m",
            prune: true,
            // ConfigMaps have no status to wait for: the controller's readiness of them
            // sends no request either.
            wait: false,
            force: false,
            targetNamespace: namespace,
            // Belt and braces with `remove`: deleting it never deletes the objects.
            deletionPolicy: "Orphan",
          },
        })
        .pipe(Effect.asVoid, Effect.orDie),
      appliedRevision(revision),
    )

  const reconcileAgain = (namespace: string) => {
    const requestedAt = `bench-${Date.now()}-${++token}`
    return measure(
      namespace,
      // A server-side apply of just the annotation, as `flux reconcile` would set it.
      kube
        .apply(
          {
            apiVersion: KUSTOMIZE_API_VERSION,
            kind: "Kustomization",
            metadata: {
              name: FLUX_OBJECT,
              namespace,
              annotations: { "reconcile.fluxcd.io/requestedAt": requestedAt },
            },
          },
          { fieldManager: "stageset-bench-trigger", force: true },
        )
        .pipe(Effect.asVoid, Effect.orDie),
      (k) => isReady(k) && statusOf(k).lastHandledReconcileAt === requestedAt,
    )
  }

  const applyRevision = (namespace: string, artifact: PackedArtifact) =>
    measure(namespace, publish(namespace, artifact), appliedRevision(artifact.revision))

  const remove = (namespace: string) =>
    Effect.gen(function* () {
      const key = kustomizationKey(namespace)
      yield* kube.get(key).pipe(
        Effect.flatMap((live) =>
          (live.metadata.finalizers ?? []).length === 0
            ? Effect.void
            : Effect.asVoid(
                kube.update({ ...live, metadata: { ...live.metadata, finalizers: [] } }),
              ),
        ),
        Effect.retry(Schedule.recurs(5)),
        Effect.ignore,
      )
      yield* kube.delete(key).pipe(Effect.ignore)
    })

  return { publish, firstApply, reconcileAgain, applyRevision, remove }
}

/**
 * How long one Flux wait may take: a minute plus 200 ms per object (at qps 50 Flux sends
 * about three requests per object on a first apply, 60 ms of tokens).
 */
export const fluxTimeout = (objects: number): Duration.Duration =>
  Duration.seconds(60 + objects * 0.2)

/** What one Flux process serves the measurements with. */
export interface FluxSession {
  readonly proc: FluxProcess
  readonly subject: FluxSubject
}

/**
 * Builds (cached) and installs Flux, starts an artifact server and a kustomize-controller,
 * and warms it up on a one-object Kustomization in a throw-away namespace (caches synced,
 * REST mappings and HTTP connections made) so that a measurement starts against an idle,
 * warm process. The process runs only as long as the scope: while it runs it watches the
 * metadata of every ConfigMap in the cluster (Flux's default config watchers), so it is not
 * left running while another subject creates thousands of them.
 */
export const fluxSession = (
  ctx: BenchContext,
  settings: FluxSettings,
  timeout: Duration.DurationInput,
): Effect.Effect<FluxSession, never, Scope.Scope> =>
  Effect.gen(function* () {
    const build = yield* ensureFlux
    yield* installFluxCrds(ctx.setup, build.crdDir)
    const server = yield* artifactServer
    const proc = yield* startFlux(build, ctx.cluster.kubeconfigPath, settings)
    const subject = makeFluxSubject(ctx.setup, proc, server, { timeout })
    const warmup = yield* packArtifact(["warmup-cm"])
    yield* withNamespace(ctx, "flux-warmup", (ns) =>
      Effect.gen(function* () {
        yield* subject.publish(ns, warmup)
        yield* subject.firstApply(ns, warmup.revision)
      }).pipe(Effect.ensuring(subject.remove(ns))),
    )
    return { proc, subject }
  })
