import type { IncomingHttpHeaders, IncomingMessage } from "node:http"
import * as http from "node:http"
import * as https from "node:https"
import * as tls from "node:tls"
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import { Duration, Effect, Ref, type Scope } from "effect"
import { type KubeError, KubeTransport } from "../../src/kube/KubeError.ts"
import { errorFromResponse } from "./errorFromResponse.ts"
import { KubeConfigError } from "./loadKubeConfig.ts"

export interface HttpRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /** Path and query, e.g. `/api/v1/namespaces/a/configmaps?limit=500`. */
  readonly path: string
  /** Serialised as JSON (which is also valid YAML, for apply patches). */
  readonly body?: unknown
  readonly contentType?: string
  readonly accept?: string
  /** Socket idle timeout; defaults to the transport's request timeout. */
  readonly idleTimeout?: Duration.Duration
}

export interface HttpResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** HTTP to one API server over one keep-alive pool, with kubeconfig authentication. */
export interface Transport {
  /** A whole request/response; any HTTP status is a success here. Connection failures and timeouts: KubeTransport. */
  readonly send: (request: HttpRequest) => Effect.Effect<HttpResponse, KubeTransport>
  /** A 2xx response parsed as JSON; other statuses become boundary errors. */
  readonly json: (request: HttpRequest) => Effect.Effect<unknown, KubeError>
  /** A 2xx response whose body is read as it arrives (watch); the request is aborted when the scope closes. */
  readonly open: (request: HttpRequest) => Effect.Effect<IncomingMessage, KubeError, Scope.Scope>
  /** The same transport with extra headers on every request (impersonation). */
  readonly withHeaders: (headers: Readonly<Record<string, string>>) => Transport
}

export interface TransportConfig {
  readonly kubeconfig: KubeConfig
  readonly userAgent: string
  readonly requestTimeout: Duration.Duration
  /** Upper bound on open connections; each watch holds one for its lifetime. */
  readonly maxSockets: number
}

/** Credentials may rotate (exec plugins, projected ServiceAccount tokens), so they are re-read this often. */
const credentialTtlMillis = 10_000

type Headers = Readonly<Record<string, string>>

/**
 * Builds the connection pool from the kubeconfig's TLS material. client-node
 * does the kubeconfig part (CA, client cert, token files, exec plugins, OIDC);
 * its per-call agents are ignored so that every request shares one pool.
 */
export const makeTransport = (
  config: TransportConfig,
): Effect.Effect<Transport, KubeConfigError, Scope.Scope> =>
  Effect.gen(function* () {
    const kc = config.kubeconfig
    const cluster = kc.getCurrentCluster()
    if (cluster === null)
      return yield* new KubeConfigError({ message: "the kubeconfig has no current cluster" })
    if (cluster.proxyUrl !== undefined && cluster.proxyUrl !== "")
      return yield* new KubeConfigError({ message: "proxy-url in the kubeconfig is not supported" })
    const base = new URL(cluster.server)
    const prefix = base.pathname.replace(/\/$/, "")
    const tlsAgentOptions = yield* tlsOptions(kc)
    // Every socket freed stays open for the next request: a burst of applies (up to
    // --concurrent x --apply-concurrency at once) would otherwise close all but a few when it
    // ends, and the next burst pay a TLS handshake per request again, on both sides.
    const agentOptions = {
      keepAlive: true,
      maxSockets: config.maxSockets,
      maxFreeSockets: config.maxSockets,
    }
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() =>
        base.protocol === "http:"
          ? new http.Agent(agentOptions)
          : new https.Agent({ ...agentOptions, ...tlsAgentOptions }),
      ),
      (agent) => Effect.sync(() => agent.destroy()),
    )
    const credentials = yield* Ref.make<
      { readonly at: number; readonly headers: Headers } | undefined
    >(undefined)
    const authHeaders = Effect.gen(function* () {
      const now = Date.now()
      const cached = yield* Ref.get(credentials)
      if (cached !== undefined && now - cached.at < credentialTtlMillis) return cached.headers
      const headers = yield* Effect.tryPromise({
        try: () => credentialHeaders(kc),
        catch: (cause) =>
          new KubeTransport({
            message: `credentials: ${errorMessage(cause)}`,
            request: "authenticate",
          }),
      }).pipe(
        // An exec plugin that hangs must not hold every request: bounded like a request.
        Effect.timeoutFail({
          duration: config.requestTimeout,
          onTimeout: () =>
            new KubeTransport({
              message: `credentials: no answer within ${Duration.format(config.requestTimeout)}`,
              request: "authenticate",
            }),
        }),
      )
      yield* Ref.set(credentials, { at: now, headers })
      return headers
    })

    const start = (request: HttpRequest, extra: Headers) =>
      Effect.gen(function* () {
        const auth = yield* authHeaders
        const body =
          request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body))
        const headers: Record<string, string> = {
          ...auth,
          ...extra,
          "User-Agent": config.userAgent,
          Accept: request.accept ?? "application/json",
        }
        if (body !== undefined) {
          headers["Content-Type"] = request.contentType ?? "application/json"
          headers["Content-Length"] = String(body.length)
        }
        return { headers, body, label: `${request.method} ${request.path.split("?")[0]}` }
      })

    // One request; `onResponse` decides what to make of the response (read it whole, or hand it out).
    // `deadline`: the whole exchange fails after this long, on a timer of its own rather than
    // Effect.timeout, which would fork a fiber and race it for every request (B6: CPU).
    const exchange = <A>(
      request: HttpRequest,
      extra: Headers,
      deadline: Duration.Duration | undefined,
      onResponse: (
        exchanged: {
          readonly req: http.ClientRequest
          readonly res: IncomingMessage
          readonly label: string
        },
        resume: (effect: Effect.Effect<A, KubeTransport>) => void,
      ) => void,
    ) =>
      Effect.flatMap(start(request, extra), ({ headers, body, label }) =>
        Effect.async<A, KubeTransport>((resumeFiber) => {
          let timer: ReturnType<typeof setTimeout> | undefined
          // `resumeFiber` only as an argument: a closure naming it here would put it in the
          // context every listener below shares, and keep the fiber (see `resumeOnce`).
          const resume = resumeOnce(resumeFiber, () => clearTimeout(timer))
          const options = { agent, method: request.method, headers }
          const url = new URL(prefix + request.path, base)
          const send = base.protocol === "http:" ? http.request : https.request
          const req = send(url, options, (res) => onResponse({ req, res, label }, resume))
          req.setTimeout(Duration.toMillis(request.idleTimeout ?? config.requestTimeout), () =>
            req.destroy(new Error("connection idle timeout")),
          )
          // `on`, not `once`: a second error without a listener would crash the process.
          req.on("error", (cause) =>
            resume(
              Effect.fail(new KubeTransport({ message: errorMessage(cause), request: label })),
            ),
          )
          if (deadline !== undefined)
            timer = setTimeout(() => {
              resume(
                Effect.fail(
                  new KubeTransport({
                    message: `no response within ${Duration.format(deadline)}`,
                    request: label,
                  }),
                ),
              )
              req.destroy()
            }, Duration.toMillis(deadline))
          req.end(body)
          // Interrupted (caller gone): the socket is closed rather than reused mid-response.
          return Effect.sync(() => {
            clearTimeout(timer)
            req.destroy()
          })
        }),
      )

    const make = (extra: Headers): Transport => {
      const send = (request: HttpRequest): Effect.Effect<HttpResponse, KubeTransport> =>
        exchange<HttpResponse>(request, extra, config.requestTimeout, ({ res, label }, resume) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.once("end", () =>
            resume(
              Effect.succeed({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
              }),
            ),
          )
          failOnAbort(res, label, resume)
        })

      const json = (request: HttpRequest): Effect.Effect<unknown, KubeError> =>
        Effect.flatMap(send(request), (response) => {
          const label = `${request.method} ${request.path.split("?")[0]}`
          if (response.status < 200 || response.status > 299)
            return Effect.fail(errorFromResponse(response, label))
          if (response.body.length === 0) return Effect.succeed({})
          return Effect.try({
            try: () => JSON.parse(response.body.toString("utf8")) as unknown,
            catch: () => new KubeTransport({ message: "the response is not JSON", request: label }),
          })
        })

      const open = (request: HttpRequest) =>
        Effect.uninterruptibleMask((restore) =>
          restore(
            exchange<{
              readonly req: http.ClientRequest
              readonly res: IncomingMessage
              readonly label: string
            }>(request, extra, undefined, (exchanged, resume) => resume(Effect.succeed(exchanged))),
          ).pipe(
            // Registered without a gap after the response arrives: the request is never left behind.
            Effect.tap(({ req, res }) =>
              Effect.addFinalizer(() =>
                // A fully read response has handed its socket back to the pool; anything else is cut.
                Effect.sync(() => {
                  if (!res.complete) req.destroy()
                }),
              ),
            ),
          ),
        ).pipe(
          Effect.flatMap(({ res, label }) => {
            const status = res.statusCode ?? 0
            if (status >= 200 && status <= 299) return Effect.succeed(res)
            return readAll(res, label).pipe(
              Effect.flatMap((body) =>
                Effect.fail(errorFromResponse({ status, headers: res.headers, body }, label)),
              ),
            )
          }),
        )

      return { send, json, open, withHeaders: (more) => make({ ...extra, ...more }) }
    }
    return make({})
  })

const readAll = (res: IncomingMessage, label: string) =>
  Effect.async<Buffer, KubeTransport>((resumeFiber) => {
    const resume = resumeOnce(resumeFiber)
    const chunks: Array<Buffer> = []
    res.on("data", (chunk: Buffer) => chunks.push(chunk))
    res.once("end", () => resume(Effect.succeed(Buffer.concat(chunks))))
    failOnAbort(res, label, resume)
  })

/**
 * `resume` that lets go of the fiber once called (Effect ignores a second call anyway).
 * Node's https.Agent keeps the request that opened a pooled socket reachable for as long
 * as the socket lives (its TLS `session` listener closes over it), and with the request
 * every listener on it and on its response. A listener holding `resume` kept the caller's
 * fiber reachable, and through the fiber's spans the arguments of each Effect.fn on its
 * stack: at B5's 20 000 objects nine pooled sockets held 15.5 MiB, rendered stages of
 * 2 000 members among it. (5457bb2 undid that by naming the fiber's resume in a closure
 * beside the listeners, whose shared context then held it: B5 +20 MiB.) `first` runs
 * before the fiber resumes, on the first call only.
 */
const resumeOnce = <A, E>(resume: (effect: Effect.Effect<A, E>) => void, first?: () => void) => {
  let pending: typeof resume | undefined = resume
  return (effect: Effect.Effect<A, E>): void => {
    const once = pending
    if (once === undefined) return
    pending = undefined
    first?.()
    once(effect)
  }
}

/** A response cut short (reset, idle timeout) fails the read instead of hanging. */
const failOnAbort = (
  res: IncomingMessage,
  label: string,
  resume: (effect: Effect.Effect<never, KubeTransport>) => void,
) => {
  const fail = (message: string) =>
    resume(Effect.fail(new KubeTransport({ message, request: label })))
  res.on("error", (cause) => fail(errorMessage(cause)))
  res.once("close", () => {
    if (!res.complete) fail("the connection closed before the response was complete")
  })
}

/**
 * TLS material for the pool, read once (client-node reads the files and runs exec plugins),
 * as one secure context: given CA, certificate and key instead, Node parses them again for
 * every new connection.
 */
const tlsOptions = (kc: KubeConfig) =>
  Effect.tryPromise({
    try: async () => {
      const opts: https.RequestOptions = {}
      await kc.applyToHTTPSOptions(opts)
      const material: tls.SecureContextOptions = {}
      if (opts.ca !== undefined) material.ca = opts.ca
      if (opts.cert !== undefined) material.cert = opts.cert
      if (opts.key !== undefined) material.key = opts.key
      const agentOptions: https.AgentOptions = { secureContext: tls.createSecureContext(material) }
      if (opts.rejectUnauthorized !== undefined)
        agentOptions.rejectUnauthorized = opts.rejectUnauthorized
      if (opts.servername !== undefined) agentOptions.servername = opts.servername
      return agentOptions
    },
    catch: (cause) =>
      new KubeConfigError({ message: `kubeconfig credentials: ${errorMessage(cause)}` }),
  })

/** The per-request headers the kubeconfig asks for: bearer token (static, file, exec, OIDC) or basic auth. */
const credentialHeaders = async (kc: KubeConfig): Promise<Headers> => {
  const opts: https.RequestOptions = { headers: {} }
  await kc.applyToHTTPSOptions(opts)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(opts.headers ?? {}))
    if (typeof value === "string" || typeof value === "number") headers[name] = String(value)
  if (typeof opts.auth === "string")
    headers.Authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`
  return headers
}

const errorMessage = (cause: unknown): string =>
  cause instanceof Error ? cause.message : String(cause)
