import { rm, writeFile } from "node:fs/promises"
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo, Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { KubeConfig } from "@kubernetes/client-node"
import { Effect, Layer, type Scope } from "effect"
import { inject } from "vitest"
import { KubeClientLive } from "../../../layers/KubeClient.live.ts"
import { KubeConfigSource } from "../../../layers/live/loadKubeConfig.ts"
import {
  FaultInjector,
  type FaultInjectorApi,
  type FaultKind,
  type FaultSpec,
  type FaultsCapability,
  type FaultVerb,
} from "./faultInjector.ts"

/**
 * A fault-injecting proxy in front of the live API server, for S17. It listens on plain
 * HTTP on 127.0.0.1 and forwards every request over HTTPS with the kubeconfig's
 * credentials, so it sees methods and paths and can answer 429/500 itself, reset the
 * client's connection before forwarding, or forward and then reset it before the
 * response (a lost response). Watches and everything unscripted pass through. It lives
 * in the scope of one test: closing the scope closes the listener and every connection.
 */

interface Rule {
  remaining: number
  readonly method: string
  readonly status: boolean
  readonly collection: string
  readonly named: boolean
  readonly fault: FaultKind
  readonly retryAfterSeconds: number
}

const METHODS: Record<FaultVerb, string> = {
  apply: "PATCH",
  get: "GET",
  list: "GET",
  delete: "DELETE",
  update: "PUT",
  updateStatus: "PUT",
}

/** `ConfigMap` -> `configmaps`, `StageInventory` -> `stageinventories` (enough for our kinds). */
const pluralOf = (kind: string) => {
  const lower = kind.toLowerCase()
  return lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : `${lower}s`
}

const ruleOf = (spec: FaultSpec): Rule => ({
  remaining: spec.times,
  method: METHODS[spec.verb],
  status: spec.verb === "updateStatus",
  collection: `/namespaces/${spec.namespace}/${pluralOf(spec.kind)}`,
  named: spec.verb !== "list",
  fault: spec.fault,
  retryAfterSeconds: spec.retryAfterSeconds ?? 1,
})

/** Whether a request is the call a rule scripts: method, namespace, resource, and named or not. */
const matches = (rule: Rule, method: string, url: URL) => {
  if (rule.remaining <= 0 || rule.method !== method || url.searchParams.get("watch") === "true")
    return false
  const at = url.pathname.indexOf(`${rule.collection}`)
  if (at < 0) return false
  const rest = url.pathname
    .slice(at + rule.collection.length)
    .split("/")
    .filter((s) => s !== "")
  if (!rule.named) return rest.length === 0
  return rest.length === (rule.status ? 2 : 1) && (!rule.status || rest[1] === "status")
}

const statusBody = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code })

interface Upstream {
  readonly url: URL
  readonly agent: https.Agent
  readonly headers: Readonly<Record<string, string>>
}

const upstreamOf = async (kubeconfigPath: string): Promise<Upstream> => {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfigPath)
  const cluster = kc.getCurrentCluster()
  if (cluster === null) throw new Error(`${kubeconfigPath} has no current cluster`)
  const options: https.RequestOptions = { headers: {} }
  await kc.applyToHTTPSOptions(options)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(options.headers ?? {}))
    if (typeof value === "string") headers[name] = value
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 32,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.cert === undefined ? {} : { cert: options.cert }),
    ...(options.key === undefined ? {} : { key: options.key }),
  })
  return { url: new URL(cluster.server), agent, headers }
}

const startProxy = async (upstream: Upstream) => {
  const rules: Array<Rule> = []
  const sockets = new Set<Socket>()
  let fired = 0

  const forward = (
    req: http.IncomingMessage,
    onResponse: (res: http.IncomingMessage) => void,
    onError: () => void,
  ) => {
    const { host: _host, connection: _connection, ...headers } = req.headers
    const out = https.request(
      new URL(req.url ?? "/", upstream.url),
      { method: req.method, headers: { ...headers, ...upstream.headers }, agent: upstream.agent },
      (answer) => {
        // Streams without an error listener would take the test process down.
        answer.on("error", onError)
        onResponse(answer)
      },
    )
    out.on("error", onError)
    req.on("error", () => out.destroy())
    req.pipe(out)
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy")
    const rule = rules.find((r) => matches(r, req.method ?? "", url))
    const drop = () => req.socket.resetAndDestroy()
    if (rule !== undefined) {
      rule.remaining -= 1
      fired += 1
    }
    switch (rule?.fault) {
      case "429":
        req.resume()
        res.writeHead(429, {
          "Content-Type": "application/json",
          "Retry-After": String(rule.retryAfterSeconds),
        })
        res.end(statusBody(429, "TooManyRequests", "injected: too many requests"))
        return
      case "500":
        req.resume()
        res.writeHead(500, { "Content-Type": "application/json" })
        res.end(statusBody(500, "InternalError", "injected: internal error"))
        return
      case "reset":
        drop()
        return
      case "lost":
        // The server performs the request; its answer never reaches the client.
        forward(req, (answer) => answer.on("end", drop).resume(), drop)
        return
      default:
        forward(
          req,
          (answer) => {
            const { connection: _c, "keep-alive": _k, ...passed } = answer.headers
            res.writeHead(answer.statusCode ?? 502, passed)
            answer.pipe(res)
            // A watch the client gives up ends upstream too.
            res.on("close", () => answer.destroy())
          },
          () => (res.headersSent ? res.destroy() : drop()),
        )
    }
  })
  server.maxConnections = 256
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    port: (server.address() as AddressInfo).port,
    add: (spec: FaultSpec) => {
      if (spec.times > 0) rules.push(ruleOf(spec))
    },
    fired: () => fired,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        upstream.agent.destroy()
        server.close(() => resolve())
      }),
  }
}

/** The proxy for one test, and a kubeconfig copy that points at it (e.g. for a controller process). */
export const proxied = (
  kubeconfigPath: string,
): Effect.Effect<
  { readonly kubeconfig: string; readonly injector: FaultInjectorApi },
  never,
  Scope.Scope
> =>
  Effect.gen(function* () {
    const proxy = yield* Effect.acquireRelease(
      Effect.promise(async () => startProxy(await upstreamOf(kubeconfigPath))),
      (p) => Effect.promise(() => p.close()),
    )
    const kubeconfig = join(tmpdir(), `stageset-fault-proxy-${proxy.port}.kubeconfig`)
    const config = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "proxy",
          // client-node refuses a plain-HTTP server unless TLS verification is declared off;
          // there is no TLS on this loopback hop to verify (the proxy speaks TLS upstream).
          cluster: { server: `http://127.0.0.1:${proxy.port}`, "insecure-skip-tls-verify": true },
        },
      ],
      users: [{ name: "proxy", user: {} }],
      contexts: [
        { name: "proxy", context: { cluster: "proxy", user: "proxy", namespace: "default" } },
      ],
      "current-context": "proxy",
    }
    yield* Effect.acquireRelease(
      Effect.promise(() => writeFile(kubeconfig, JSON.stringify(config), { mode: 0o600 })),
      () => Effect.promise(() => rm(kubeconfig, { force: true })),
    )
    return {
      kubeconfig,
      injector: {
        inject: (spec) => Effect.sync(() => proxy.add(spec)),
        fired: Effect.sync(() => proxy.fired()),
      },
    }
  })

/** The live API server behind a fault proxy (one proxy per layer build). */
export const liveFaults: FaultsCapability = {
  kube: () =>
    Layer.unwrapScoped(
      Effect.map(proxied(inject("kubeconfig")), ({ kubeconfig, injector }) =>
        KubeClientLive.pipe(
          Layer.provide(
            KubeConfigSource.layer({
              kubeconfigPath: kubeconfig,
              userAgent: "stageset-cluster-tests",
            }),
          ),
          Layer.orDie,
          Layer.merge(Layer.succeed(FaultInjector, injector)),
        ),
      ),
    ),
}
