import { Duration } from "effect"
import { fromStatus, type KubeError, KubeTransport } from "../../src/kube/KubeError.ts"
import type { FaultKind, FaultMatch, Verb } from "./InMemoryDriver.ts"

/** Scripted failures, latency and denied identities, consulted at the start of every client call. */

export interface Call {
  readonly verb: Verb
  readonly apiVersion: string
  readonly kind: string
  readonly namespace?: string
  readonly name?: string
  readonly identity: string
}

interface FaultRule {
  remaining: number
  readonly match: FaultMatch
  readonly kind: FaultKind
  readonly when: "before" | "after"
  readonly retryAfterSeconds?: number
}

interface Denial {
  readonly username: string
  readonly verbs?: ReadonlyArray<Verb>
  readonly namespaces?: ReadonlyArray<string>
}

export interface Faults {
  readonly rules: Array<FaultRule>
  readonly denials: Array<Denial>
  latency: Duration.Duration
}

export const makeFaults = (): Faults => ({ rules: [], denials: [], latency: Duration.zero })

const matches = (match: FaultMatch, call: Call): boolean => {
  const verbs =
    match.verb === undefined
      ? undefined
      : typeof match.verb === "string"
        ? [match.verb]
        : match.verb
  return (
    (verbs === undefined || verbs.includes(call.verb)) &&
    (match.kind === undefined || match.kind === call.kind) &&
    (match.namespace === undefined || match.namespace === (call.namespace ?? "")) &&
    (match.name === undefined || match.name === call.name)
  )
}

export const addFault = (
  faults: Faults,
  rule: {
    readonly n: number
    readonly match: FaultMatch
    readonly kind: FaultKind
    readonly when: "before" | "after"
    readonly retryAfterSeconds?: number
  },
): void => {
  if (rule.n <= 0) return
  faults.rules.push({
    remaining: rule.n,
    match: rule.match,
    kind: rule.kind,
    when: rule.when,
    ...(rule.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: rule.retryAfterSeconds }),
  })
}

/** Consumes one use of the first rule matching this call, and returns its error. */
export const takeFault = (
  faults: Faults,
  when: "before" | "after",
  call: Call,
  request: string,
): KubeError | undefined => {
  const index = faults.rules.findIndex((rule) => rule.when === when && matches(rule.match, call))
  const rule = faults.rules[index]
  if (rule === undefined) return undefined
  rule.remaining -= 1
  if (rule.remaining <= 0) faults.rules.splice(index, 1)
  switch (rule.kind) {
    case "429":
      return fromStatus(429, "Too many requests, please try again later.", request, {
        ...(rule.retryAfterSeconds === undefined
          ? {}
          : { retryAfterSeconds: rule.retryAfterSeconds }),
      })
    case "500":
      return fromStatus(500, "Internal error occurred: injected fault", request)
    case "503":
      return fromStatus(503, "the server is currently unable to handle the request", request)
    case "409":
      return fromStatus(
        409,
        `Operation cannot be fulfilled on ${call.kind} "${call.name ?? ""}": the object has been modified; please apply your changes to the latest version and try again`,
        request,
        { reason: "Conflict" },
      )
    case "410":
      return fromStatus(410, "too old resource version", request)
    case "reset":
      return new KubeTransport({ message: "connection reset", request })
  }
}

export const isDenied = (faults: Faults, call: Call): boolean =>
  call.verb !== "discover" &&
  call.verb !== "resources" &&
  faults.denials.some(
    (denial) =>
      denial.username === call.identity &&
      (denial.verbs === undefined || denial.verbs.includes(call.verb)) &&
      (denial.namespaces === undefined || denial.namespaces.includes(call.namespace ?? "")),
  )

/** The RBAC verb behind a client method, for the 403 message. */
export const rbacVerb = (verb: Verb): string =>
  verb === "apply" ? "patch" : verb === "updateStatus" ? "update" : verb
