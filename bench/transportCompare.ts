import { execFileSync } from "node:child_process"
import { readdir, readFile, writeFile } from "node:fs/promises"
import * as https from "node:https"
import { cpus, loadavg, release, totalmem } from "node:os"
import { parseArgs } from "node:util"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import type { KubeConfig } from "@kubernetes/client-node"
import { Context, Duration, Effect, Layer, Predicate } from "effect"
import { loadKubeConfig } from "../layers/live/loadKubeConfig.ts"
import { type HttpRequest, makeTransport } from "../layers/live/transport.ts"
import { acquireCluster, type BenchCluster, rawKubeClient } from "./support/cluster.ts"
import { type CpuUsage, HARNESS, startCpuWindow } from "./support/cpu.ts"
import { awaitDeleted, createNamespace, deleteNamespace, uniqueName } from "./support/namespaces.ts"

/**
 * `node bench/transportCompare.ts [--n 2000] [--reps 3] [--lists 200] [--kubeconfig path] [--only ours,node,node-untraced] [--out file]`
 *
 * Our Kubernetes transport (layers/live/transport.ts, `json`) against @effect/platform-node's
 * NodeHttpClient on an https.Agent with the same pool settings and the same TLS material, on
 * the same kube-apiserver, in this one process:
 *
 * - apply: N server-side-apply PATCHes of distinct ConfigMaps (application/apply-patch+yaml,
 *   fieldManager=stageset-controller, force=true), 16 in flight (Effect.forEach concurrency 16);
 * - list: `--lists` LISTs of the namespace's N ConfigMaps (one page), 16 in flight.
 *
 * Each measurement window records wall time and this process's CPU time (process.cpuUsage,
 * user + system; the client-side cost), plus the control plane's CPU and how busy the whole
 * machine was (bench/support/cpu.ts), so a competing load shows up in the numbers. The
 * subjects' order rotates between repetitions; every apply starts from an empty namespace;
 * before every window the subject's pool is re-warmed and a full GC runs. Prints a table,
 * writes raw samples to bench/results/transport.json (or `--out`).
 *
 * Subjects: "ours" (makeTransport), "NodeHttpClient" as it comes (Effect's default tracer
 * on: a span per request and traceparent/b3 headers sent), and "NodeHttpClient, no tracing"
 * (HttpClient.withTracerDisabledWhen(() => true)), which is what ours does (no spans).
 */

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "2000" },
    reps: { type: "string", default: "3" },
    lists: { type: "string", default: "200" },
    kubeconfig: { type: "string" },
    /** Comma-separated subject ids (ours, node, node-untraced), e.g. to profile one alone (`node --cpu-prof ...`). */
    only: { type: "string" },
    out: { type: "string", default: new URL("./results/transport.json", import.meta.url).pathname },
  },
})
const N = Number.parseInt(args.n, 10)
const REPS = Number.parseInt(args.reps, 10)
const LISTS = Number.parseInt(args.lists, 10)
const CONCURRENCY = 16
/** What `makeKubeClientLive` and the bench's raw client use. */
const MAX_SOCKETS = 100
/** As transport.ts: maxFreeSockets 16; 60 s request timeout (KubeClient.live.ts default). */
const MAX_FREE_SOCKETS = 16
const REQUEST_TIMEOUT = Duration.seconds(60)
const USER_AGENT = "stageset-controller"
const CREDENTIAL_TTL_MILLIS = 10_000
const WARMUP_REQUESTS = 200

const progress = (line: string) =>
  process.stderr.write(`[transport ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

// A full collection before every window, so one subject's garbage is not collected on another's clock.
setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void

/**
 * TLS connections opened by any https.Agent in this process (both subjects' pools are
 * https.Agents), to see whether keep-alive sockets were reused inside a window. Node's
 * `net.client.socket` diagnostics channel does not see TLS sockets, hence the wrapper.
 */
let socketsOpened = 0
const createConnection = https.Agent.prototype.createConnection
https.Agent.prototype.createConnection = function (
  this: https.Agent,
  ...connectArgs: Parameters<typeof createConnection>
) {
  socketsOpened++
  return createConnection.apply(this, connectArgs)
}

/** One request as both subjects take it: what transport.ts's HttpRequest carries. */
type Send = (request: HttpRequest) => Effect.Effect<unknown, unknown>

interface Subject {
  /** For `--only`. */
  readonly id: string
  readonly name: string
  readonly send: Send
}

// ---------------------------------------------------------------------------------------------
// NodeHttpClient with the kubeconfig's credentials, built the way transport.ts reads them.

const errorMessage = (cause: unknown): string =>
  cause instanceof Error ? cause.message : String(cause)

/** CA, client certificate and key, verification settings: what transport.ts gives its agent. */
const tlsFromKubeConfig = async (kc: KubeConfig): Promise<https.AgentOptions> => {
  const opts: https.RequestOptions = {}
  await kc.applyToHTTPSOptions(opts)
  const tls: https.AgentOptions = {}
  if (opts.ca !== undefined) tls.ca = opts.ca
  if (opts.cert !== undefined) tls.cert = opts.cert
  if (opts.key !== undefined) tls.key = opts.key
  if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized
  if (opts.servername !== undefined) tls.servername = opts.servername
  return tls
}

/** Bearer token or basic auth headers, re-read every CREDENTIAL_TTL_MILLIS as transport.ts does. */
const makeAuthHeaders = (kc: KubeConfig) => {
  let cached: { readonly at: number; readonly headers: Record<string, string> } | undefined
  return Effect.suspend(() => {
    const now = Date.now()
    if (cached !== undefined && now - cached.at < CREDENTIAL_TTL_MILLIS)
      return Effect.succeed(cached.headers)
    return Effect.tryPromise({
      try: async () => {
        const opts: https.RequestOptions = { headers: {} }
        await kc.applyToHTTPSOptions(opts)
        const headers: Record<string, string> = {}
        for (const [name, value] of Object.entries(opts.headers ?? {}))
          if (typeof value === "string" || typeof value === "number") headers[name] = String(value)
        if (typeof opts.auth === "string")
          headers.Authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`
        return headers
      },
      catch: (cause) => new Error(`credentials: ${errorMessage(cause)}`),
    }).pipe(Effect.tap((headers) => Effect.sync(() => (cached = { at: now, headers }))))
  })
}

/** Same contract as transport.json: 2xx parsed as JSON, anything else a failure; same deadline. */
const makeNodeHttpSend = (kc: KubeConfig, tracing: boolean) =>
  Effect.gen(function* () {
    const server = kc.getCurrentCluster()?.server
    if (server === undefined) return yield* Effect.dieMessage("the kubeconfig has no cluster")
    const base = server.replace(/\/$/, "")
    const tls = yield* Effect.promise(() => tlsFromKubeConfig(kc))
    const agent = NodeHttpClient.makeAgentLayer({
      keepAlive: true,
      maxSockets: MAX_SOCKETS,
      maxFreeSockets: MAX_FREE_SOCKETS,
      ...tls,
    })
    const context = yield* Layer.build(Layer.provide(NodeHttpClient.layerWithoutAgent, agent))
    const plain = Context.get(context, HttpClient.HttpClient)
    const client = tracing ? plain : HttpClient.withTracerDisabledWhen(plain, () => true)
    const authHeaders = makeAuthHeaders(kc)
    const send: Send = (request) =>
      Effect.gen(function* () {
        const auth = yield* authHeaders
        const headers = {
          ...auth,
          "User-Agent": USER_AGENT,
          Accept: request.accept ?? "application/json",
        }
        let req = HttpClientRequest.make(request.method)(base + request.path, { headers })
        if (request.body !== undefined)
          req = HttpClientRequest.bodyText(
            req,
            JSON.stringify(request.body),
            request.contentType ?? "application/json",
          )
        const response = yield* client.execute(req)
        if (response.status < 200 || response.status > 299) {
          const text = yield* response.text
          return yield* Effect.fail(
            new Error(
              `${request.method} ${request.path}: HTTP ${response.status} ${text.slice(0, 300)}`,
            ),
          )
        }
        return yield* response.json
      }).pipe(
        Effect.timeoutFail({
          duration: REQUEST_TIMEOUT,
          onTimeout: () => new Error(`${request.method} ${request.path}: timed out`),
        }),
      )
    return send
  })

// ---------------------------------------------------------------------------------------------
// Requests and checks.

const configMapName = (prefix: string, i: number) => `${prefix}-${String(i).padStart(5, "0")}`

/** The PATCHes of one apply window, built before the clock starts. */
const applyRequests = (namespace: string, prefix: string, count: number): Array<HttpRequest> =>
  Array.from({ length: count }, (_, i) => {
    const name = configMapName(prefix, i)
    return {
      method: "PATCH",
      path: `/api/v1/namespaces/${namespace}/configmaps/${name}?fieldManager=stageset-controller&force=true`,
      contentType: "application/apply-patch+yaml",
      body: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name,
          namespace,
          labels: { "applyset.kubernetes.io/part-of": "applyset-transport-compare-v1" },
        },
        data: { payload: name },
      },
    }
  })

const listRequest = (namespace: string): HttpRequest => ({
  method: "GET",
  path: `/api/v1/namespaces/${namespace}/configmaps?limit=5000`,
})

/** Cheap sanity checks, the same for every subject: the answer is the object / the whole list. */
const expectObject = (value: unknown) =>
  Predicate.isRecord(value) && Predicate.isRecord(value.metadata)
    ? Effect.void
    : Effect.dieMessage("an apply answered without an object")

/** At least `count` items: kube-root-ca.crt may be there too, depending on the controllers run. */
const expectItems = (count: number) => (value: unknown) =>
  Predicate.isRecord(value) && Array.isArray(value.items) && value.items.length >= count
    ? Effect.void
    : Effect.dieMessage(
        `a LIST answered ${Predicate.isRecord(value) && Array.isArray(value.items) ? value.items.length : "no"} items, expected ${count}`,
      )

// ---------------------------------------------------------------------------------------------
// Measurement.

/** kube-apiserver processes on this machine that are not this run's: another session's benchmark. */
const foreignApiServers = (cluster: BenchCluster) =>
  Effect.promise(async () => {
    const ours = new Set(cluster.components().map((c) => c.pid))
    const found: Array<number> = []
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue
      const comm = await readFile(`/proc/${entry}/comm`, "utf8").catch(() => "")
      if (comm.trim() === "kube-apiserver" && !ours.has(Number(entry))) found.push(Number(entry))
    }
    return found
  })

interface Sample {
  readonly case: "apply" | "list"
  readonly subject: string
  readonly rep: number
  /** Position of the subject in this repetition's order (0 = first). */
  readonly position: number
  readonly requests: number
  readonly wallMs: number
  readonly cpuUserMs: number
  readonly cpuSystemMs: number
  readonly cpuMs: number
  readonly cpuMsPerRequest: number
  readonly wallMsPerRequest: number
  readonly requestsPerSecond: number
  /** CPU seconds per process over the window (this process as "bench harness"). */
  readonly windowCpuSeconds: Readonly<Record<string, number>>
  /** This process + control plane as a share of all cores, and the whole machine's busy share. */
  readonly utilisation: number
  readonly machineUtilisation: number
  readonly foreignApiServers: ReadonlyArray<number>
  /** Connections opened inside the window (0 when the pool's keep-alive sockets were reused). */
  readonly socketsOpened: number
}

const measure = (
  cluster: BenchCluster,
  subject: Subject,
  kase: Sample["case"],
  rep: number,
  position: number,
  requests: ReadonlyArray<HttpRequest>,
  check: (value: unknown) => Effect.Effect<void>,
  warm: HttpRequest,
) =>
  Effect.gen(function* () {
    // Re-open the pool's connections (the server may have closed them while others ran).
    yield* Effect.forEach(Array.from({ length: 2 * CONCURRENCY }), () => subject.send(warm), {
      concurrency: CONCURRENCY,
      discard: true,
    })
    const foreign = yield* foreignApiServers(cluster)
    gc()
    const stop = yield* startCpuWindow(cluster.components())
    const sockets0 = socketsOpened
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    yield* Effect.forEach(requests, (r) => Effect.flatMap(subject.send(r), check), {
      concurrency: CONCURRENCY,
      discard: true,
    })
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const usage: CpuUsage = yield* stop
    const opened = socketsOpened - sockets0
    const cpuMs = (cpu.user + cpu.system) / 1000
    const sample: Sample = {
      case: kase,
      subject: subject.name,
      rep,
      position,
      requests: requests.length,
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      cpuMs,
      cpuMsPerRequest: cpuMs / requests.length,
      wallMsPerRequest: wallMs / requests.length,
      requestsPerSecond: requests.length / (wallMs / 1000),
      windowCpuSeconds: usage.cpuSeconds,
      utilisation: usage.utilisation,
      machineUtilisation: usage.machineUtilisation,
      foreignApiServers: foreign,
      socketsOpened: opened,
    }
    progress(
      `rep ${rep} ${kase.padEnd(5)} ${subject.name.padEnd(27)} wall ${(wallMs / 1000).toFixed(2)} s, ` +
        `${sample.cpuMsPerRequest.toFixed(3)} CPU-ms/req, apiserver ${(usage.cpuSeconds["kube-apiserver"] ?? Number.NaN).toFixed(1)} CPU-s, ` +
        `machine ${(usage.machineUtilisation * 100).toFixed(0)} % busy vs ours+plane ${(usage.utilisation * 100).toFixed(0)} %, ${opened} new sockets` +
        (foreign.length > 0 ? `, OTHER kube-apiserver running: ${foreign.join(",")}` : ""),
    )
    return sample
  }).pipe(Effect.orDie)

// ---------------------------------------------------------------------------------------------
// Report.

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const stat = (xs: ReadonlyArray<number>) => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
})

const summarise = (samples: ReadonlyArray<Sample>, subjects: ReadonlyArray<string>) =>
  (LISTS > 0 ? (["apply", "list"] as const) : (["apply"] as const)).flatMap((kase) =>
    subjects.map((subject) => {
      const mine = samples.filter((s) => s.case === kase && s.subject === subject)
      return {
        case: kase,
        subject,
        reps: mine.length,
        requestsPerRep: mine[0]?.requests ?? 0,
        wallMs: stat(mine.map((s) => s.wallMs)),
        wallMsPerRequest: stat(mine.map((s) => s.wallMsPerRequest)),
        cpuMsPerRequest: stat(mine.map((s) => s.cpuMsPerRequest)),
        cpuUserMsPerRequest: stat(mine.map((s) => s.cpuUserMs / s.requests)),
        cpuSystemMsPerRequest: stat(mine.map((s) => s.cpuSystemMs / s.requests)),
        apiserverCpuSeconds: stat(mine.map((s) => s.windowCpuSeconds["kube-apiserver"] ?? 0)),
        machineUtilisation: stat(mine.map((s) => s.machineUtilisation)),
        socketsOpened: stat(mine.map((s) => s.socketsOpened)),
      }
    }),
  )

const renderTable = (summary: ReturnType<typeof summarise>) => {
  const f = (x: number, digits: number) => x.toFixed(digits)
  const range = (s: { median: number; min: number; max: number }, digits: number) =>
    `${f(s.median, digits)} [${f(s.min, digits)}-${f(s.max, digits)}]`
  const header = [
    "case",
    "subject",
    "reqs",
    "wall s",
    "wall ms/req",
    "CPU ms/req",
    "vs ours",
    "machine busy",
  ]
  const rows = summary.map((row) => {
    const ours = summary.find((r) => r.case === row.case && r.subject === "ours")
    const rel =
      ours === undefined || row.subject === "ours"
        ? ""
        : `${((row.cpuMsPerRequest.median / ours.cpuMsPerRequest.median - 1) * 100).toFixed(0)} % CPU, ${(
            (row.wallMs.median / ours.wallMs.median - 1) * 100
          ).toFixed(0)} % wall`
    return [
      row.case,
      row.subject,
      String(row.requestsPerRep),
      range(
        mapStat(row.wallMs, (x) => x / 1000),
        2,
      ),
      range(row.wallMsPerRequest, 3),
      range(row.cpuMsPerRequest, 3),
      rel,
      `${f(row.machineUtilisation.median * 100, 0)} %`,
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n")
}

const mapStat = (s: { median: number; min: number; max: number }, g: (x: number) => number) => ({
  median: g(s.median),
  min: g(s.min),
  max: g(s.max),
})

const gitFacts = () => {
  const git = (...a: Array<string>) => {
    try {
      return execFileSync("git", a, { encoding: "utf8" }).trim()
    } catch {
      return "unknown"
    }
  }
  return { commit: git("rev-parse", "HEAD"), branch: git("rev-parse", "--abbrev-ref", "HEAD") }
}

// ---------------------------------------------------------------------------------------------

const program = Effect.gen(function* () {
  progress(`N ${N}, reps ${REPS}, lists ${LISTS}, concurrency ${CONCURRENCY}`)
  const cluster = yield* acquireCluster(args.kubeconfig)
  const foreignAtStart = yield* foreignApiServers(cluster)
  progress(
    `cluster ${cluster.serverVersion} (${cluster.external ? "--kubeconfig" : "local control plane"})` +
      (foreignAtStart.length > 0
        ? `; another kube-apiserver is running (${foreignAtStart.join(",")}): numbers are disturbed`
        : "; no other kube-apiserver on this machine"),
  )
  const { kubeconfig } = yield* loadKubeConfig({
    kubeconfigPath: cluster.kubeconfigPath,
    inCluster: false,
    homeConfig: false,
  }).pipe(Effect.orDie)
  const setup = yield* rawKubeClient(cluster.kubeconfigPath, "stageset-bench-setup")
  const cleanup = { setup, cluster }

  // Built once, like the controller builds its client once; pools live until the end.
  const ours = yield* makeTransport({
    kubeconfig,
    userAgent: USER_AGENT,
    requestTimeout: REQUEST_TIMEOUT,
    maxSockets: MAX_SOCKETS,
  }).pipe(Effect.orDie)
  const only = args.only?.split(",").map((name) => name.trim())
  const subjects: ReadonlyArray<Subject> = [
    { id: "ours", name: "ours", send: ours.json },
    { id: "node", name: "NodeHttpClient", send: yield* makeNodeHttpSend(kubeconfig, true) },
    {
      id: "node-untraced",
      name: "NodeHttpClient, no tracing",
      send: yield* makeNodeHttpSend(kubeconfig, false),
    },
  ].filter((subject) => only === undefined || only.includes(subject.id))
  if (subjects.length === 0) return yield* Effect.dieMessage(`--only ${args.only}: no such subject`)

  const namespace = uniqueName("transport")
  yield* createNamespace(setup, namespace)
  const warm = { method: "GET", path: `/api/v1/namespaces/${namespace}` } as const
  const empty = Effect.gen(function* () {
    yield* cluster.deleteConfigMaps(namespace)
    for (let i = 0; i < 50; i++) {
      const left = yield* setup
        .list({ apiVersion: "v1", kind: "ConfigMap" }, { namespace })
        .pipe(Effect.orDie)
      // kube-root-ca.crt comes back (the root-ca-cert-publisher is not among the controllers run).
      if (left.items.filter((o) => o.metadata.name !== "kube-root-ca.crt").length === 0) break
      yield* Effect.sleep("200 millis")
    }
    // Let the server settle (etcd, GC) before the next window.
    yield* Effect.sleep("2 seconds")
  })
  // Warm-up, not measured: JIT, TLS sessions, the server's caches.
  for (const subject of subjects) {
    progress(`warm-up ${subject.name}`)
    yield* Effect.forEach(
      applyRequests(namespace, "warm", WARMUP_REQUESTS),
      (r) => Effect.flatMap(subject.send(r), expectObject),
      { concurrency: CONCURRENCY, discard: true },
    ).pipe(Effect.orDie)
    yield* Effect.forEach(
      Array.from({ length: 10 }),
      () => Effect.flatMap(subject.send(listRequest(namespace)), expectItems(WARMUP_REQUESTS)),
      { concurrency: CONCURRENCY, discard: true },
    ).pipe(Effect.orDie)
    yield* empty
  }
  progress(`${socketsOpened} TLS connections opened so far (setup client and warm-up)`)

  const samples: Array<Sample> = []
  let listBytes = 0
  for (let rep = 0; rep < REPS; rep++) {
    const order = subjects.map((_, i) => subjects[(i + rep) % subjects.length]!)
    progress(`rep ${rep}: ${order.map((s) => s.name).join(" -> ")}`)
    for (const [position, subject] of order.entries()) {
      const requests = applyRequests(namespace, `cm-r${rep}`, N)
      samples.push(
        yield* measure(cluster, subject, "apply", rep, position, requests, expectObject, warm),
      )
      // The last apply's objects stay for the LISTs.
      if (position < order.length - 1) yield* empty
    }
    if (LISTS === 0) {
      yield* empty
      continue
    }
    const lists = Array.from({ length: LISTS }, () => listRequest(namespace))
    // Size of one LIST answer (outside the windows), to put the LIST CPU per request in scale.
    listBytes = (yield* ours.send(listRequest(namespace)).pipe(Effect.orDie)).body.length
    for (const [position, subject] of order.entries())
      samples.push(
        yield* measure(cluster, subject, "list", rep, position, lists, expectItems(N), warm),
      )
    yield* empty
  }

  yield* deleteNamespace(cleanup, namespace)
  yield* awaitDeleted(setup)
  const foreignAtEnd = yield* foreignApiServers(cluster)

  const summary = summarise(
    samples,
    subjects.map((s) => s.name),
  )
  const table = renderTable(summary)
  progress(`one LIST answer of ${N} ConfigMaps: ${(listBytes / 1024).toFixed(0)} KiB`)
  process.stdout.write(`\n${table}\n\n`)
  process.stdout.write(
    "wall ms/req = window wall time / requests (16 in flight); CPU ms/req = this process's user+system CPU / requests; median [min-max] over reps.\n",
  )
  const quiet =
    foreignAtStart.length === 0 &&
    foreignAtEnd.length === 0 &&
    samples.every((s) => s.foreignApiServers.length === 0)
  process.stdout.write(
    quiet
      ? "No other kube-apiserver ran on this machine during the run.\n"
      : "Another kube-apiserver ran on this machine during the run: the numbers are disturbed.\n",
  )
  yield* Effect.promise(() =>
    writeFile(
      args.out,
      `${JSON.stringify(
        {
          benchmark:
            "transport: ours (layers/live/transport.ts) vs @effect/platform-node NodeHttpClient",
          date: new Date().toISOString(),
          ...gitFacts(),
          machine: {
            cpus: cpus().length,
            cpuModel: cpus()[0]?.model ?? "unknown",
            memoryBytes: totalmem(),
            kernel: release(),
            node: process.version,
            loadavgAtEnd: loadavg(),
          },
          cluster: { serverVersion: cluster.serverVersion, external: cluster.external },
          config: {
            n: N,
            reps: REPS,
            lists: LISTS,
            concurrency: CONCURRENCY,
            maxSockets: MAX_SOCKETS,
            maxFreeSockets: MAX_FREE_SOCKETS,
            warmupRequests: WARMUP_REQUESTS,
            cpuOf: `${HARNESS}: process.cpuUsage() of this process (user + system)`,
          },
          listResponseBytes: listBytes,
          quiet: { noOtherApiServer: quiet, foreignAtStart, foreignAtEnd },
          summary,
          samples,
          table,
        },
        null,
        2,
      )}\n`,
    ),
  )
  progress(`wrote ${args.out}`)
})

NodeRuntime.runMain(Effect.scoped(program))
