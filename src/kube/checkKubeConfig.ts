import { Either, Predicate } from "effect"
import { parse } from "yaml"

/**
 * Fields of a kubeconfig that make its reader run a program or read a file: the controller
 * must never do either on a tenant's behalf (an exec plugin would run a binary of the
 * controller's image as the controller; a file path would read the controller's own
 * files, such as its ServiceAccount token). Key names as kubectl and client-node read them.
 */
const USER_REFUSED: ReadonlyArray<readonly [string, string]> = [
  ["exec", "exec plugins are not run for a StageSet"],
  ["auth-provider", "auth-provider plugins are not run for a StageSet"],
  ["client-certificate", "files are not read for a StageSet; embed client-certificate-data"],
  ["client-key", "files are not read for a StageSet; embed client-key-data"],
  ["tokenFile", "files are not read for a StageSet; embed the token"],
  ["token-file", "files are not read for a StageSet; embed the token"],
]
const CLUSTER_REFUSED: ReadonlyArray<readonly [string, string]> = [
  ["certificate-authority", "files are not read for a StageSet; embed certificate-authority-data"],
  ["proxy-url", "proxies are not supported"],
]

interface Named {
  readonly i: number
  readonly name: string
  readonly body: Readonly<Record<string, unknown>>
}

/** The entries of a kubeconfig list (`users`, `clusters`, `contexts`) that have a name and a body. */
const named = (list: unknown, what: string): ReadonlyArray<Named> =>
  Array.isArray(list)
    ? list.flatMap((item: unknown, i) => {
        if (!Predicate.isRecord(item) || typeof item.name !== "string") return []
        const body = item[what]
        return Predicate.isRecord(body) ? [{ i, name: item.name, body }] : []
      })
    : []

/**
 * Checks a kubeconfig before anything loads it (api.md, "StageSets and clusters"): it must
 * be a YAML mapping whose current-context names a context, a cluster with a server and a
 * user, with credentials embedded (token, basic auth or client certificate data). Refused:
 * exec and auth-provider plugins and every field naming a file, in any user or cluster,
 * named by its path in the kubeconfig. The problem never quotes the kubeconfig's values.
 */
export const checkKubeConfig = (text: string): Either.Either<void, string> => {
  let doc: unknown
  try {
    doc = parse(text)
  } catch {
    return Either.left("is not valid YAML")
  }
  if (!Predicate.isRecord(doc)) return Either.left("is not a kubeconfig (not a mapping)")
  const set = (value: unknown) => value !== undefined && value !== null && value !== ""
  for (const { i, body } of named(doc.users, "user"))
    for (const [field, why] of USER_REFUSED)
      if (set(body[field])) return Either.left(`sets users[${i}].user.${field}: ${why}`)
  for (const { i, body } of named(doc.clusters, "cluster"))
    for (const [field, why] of CLUSTER_REFUSED)
      if (set(body[field])) return Either.left(`sets clusters[${i}].cluster.${field}: ${why}`)
  const current = doc["current-context"]
  if (typeof current !== "string" || current === "") return Either.left("has no current-context")
  const context = named(doc.contexts, "context").find((c) => c.name === current)
  if (context === undefined) return Either.left("has no context named by current-context")
  const cluster = named(doc.clusters, "cluster").find((c) => c.name === context.body.cluster)
  if (cluster === undefined || typeof cluster.body.server !== "string")
    return Either.left(`has no cluster with a server for contexts[${context.i}]`)
  if (typeof context.body.user === "string" && context.body.user !== "")
    if (named(doc.users, "user").every((u) => u.name !== context.body.user))
      return Either.left(`has no user named by contexts[${context.i}].context.user`)
  return Either.void
}

/** The server URL of the kubeconfig's current context (checked by `checkKubeConfig`). */
export const kubeConfigServer = (text: string): string | undefined => {
  const doc: unknown = parse(text)
  if (!Predicate.isRecord(doc)) return undefined
  const context = named(doc.contexts, "context").find((c) => c.name === doc["current-context"])
  if (context === undefined) return undefined
  const cluster = named(doc.clusters, "cluster").find((c) => c.name === context.body.cluster)
  return typeof cluster?.body.server === "string" ? cluster.body.server : undefined
}
