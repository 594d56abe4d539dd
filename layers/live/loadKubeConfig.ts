import { existsSync } from "node:fs"
import { homedir } from "node:os"
import { delimiter, join } from "node:path"
import { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import { Config, Context, Effect, Layer, Option, Schema } from "effect"

/** The cluster could not be resolved, or its kubeconfig is unusable. */
export class KubeConfigError extends Schema.TaggedError<KubeConfigError>()("KubeConfigError", {
  message: Schema.String,
}) {}

/** Which cluster to talk to (api.md "Which cluster"); every field is optional. */
export interface KubeConfigSourceOptions {
  /** `--kubeconfig`: wins over everything else. */
  readonly kubeconfigPath?: string
  /** `--context`: the kubeconfig context to use instead of its current-context. */
  readonly context?: string
  /** Fall back to the in-cluster ServiceAccount (default true). */
  readonly inCluster?: boolean
  /**
   * Fall back to `~/.kube/config` (default true). `npm start` turns this off so
   * that trying the project out never touches a real cluster by accident.
   */
  readonly homeConfig?: boolean
  /** Sent as the User-Agent header. */
  readonly userAgent?: string
}

export class KubeConfigSource extends Context.Tag("stageset/KubeConfigSource")<
  KubeConfigSource,
  KubeConfigSourceOptions
>() {
  /** The standard resolution order, nothing explicit. */
  static readonly Default: Layer.Layer<KubeConfigSource> = Layer.succeed(KubeConfigSource, {})
  static readonly layer = (options: KubeConfigSourceOptions): Layer.Layer<KubeConfigSource> =>
    Layer.succeed(KubeConfigSource, options)
}

/** Where the configuration came from, for the startup log line. */
export type KubeConfigOrigin = "flag" | "KUBECONFIG" | "in-cluster" | "home"

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

const attempt = (what: string, load: (kc: KubeConfig) => void) =>
  Effect.try({
    try: () => {
      const kc = new KubeConfig()
      load(kc)
      return kc
    },
    catch: (cause) =>
      new KubeConfigError({
        message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
      }),
  })

/**
 * Resolves the kubeconfig: the explicit path, then KUBECONFIG (several files
 * merged, first wins), then the in-cluster ServiceAccount, then ~/.kube/config.
 * The environment is read through Effect's Config, so tests can substitute it.
 */
export const loadKubeConfig = (
  source: KubeConfigSourceOptions,
): Effect.Effect<
  { readonly kubeconfig: KubeConfig; readonly origin: KubeConfigOrigin },
  KubeConfigError
> =>
  Effect.gen(function* () {
    const env = yield* Effect.all({
      kubeconfig: Config.option(Config.string("KUBECONFIG")),
      serviceHost: Config.option(Config.string("KUBERNETES_SERVICE_HOST")),
      servicePort: Config.option(Config.string("KUBERNETES_SERVICE_PORT")),
    }).pipe(
      Effect.orElseSucceed(() => ({
        kubeconfig: Option.none(),
        serviceHost: Option.none(),
        servicePort: Option.none(),
      })),
    )
    const resolved = yield* resolve(source, {
      kubeconfig: Option.getOrUndefined(env.kubeconfig),
      inCluster: Option.isSome(env.serviceHost) && Option.isSome(env.servicePort),
    })
    const kc = resolved.kubeconfig
    if (source.context !== undefined) {
      if (kc.getContextObject(source.context) === null)
        return yield* new KubeConfigError({
          message: `context "${source.context}" is not in the kubeconfig`,
        })
      kc.setCurrentContext(source.context)
    }
    if (kc.getCurrentCluster() === null)
      return yield* new KubeConfigError({
        message: `the kubeconfig (${resolved.origin}) has no cluster for context "${kc.getCurrentContext()}"`,
      })
    return resolved
  })

/** kubectl's merge rule: the first file that names a cluster, user, context or current-context wins. */
const mergeFirstWins = (kc: KubeConfig, more: KubeConfig) => {
  const has = (list: ReadonlyArray<{ readonly name: string }>, name: string) =>
    list.some((entry) => entry.name === name)
  for (const cluster of more.clusters) if (!has(kc.clusters, cluster.name)) kc.addCluster(cluster)
  for (const user of more.users) if (!has(kc.users, user.name)) kc.addUser(user)
  for (const context of more.contexts) if (!has(kc.contexts, context.name)) kc.addContext(context)
  if (!kc.currentContext && more.currentContext) kc.setCurrentContext(more.currentContext)
}

const resolve = (
  source: KubeConfigSourceOptions,
  env: { readonly kubeconfig: string | undefined; readonly inCluster: boolean },
) =>
  Effect.gen(function* () {
    if (source.kubeconfigPath !== undefined && source.kubeconfigPath !== "") {
      const path = source.kubeconfigPath
      const kubeconfig = yield* attempt(`--kubeconfig ${path}`, (kc) => kc.loadFromFile(path))
      return { kubeconfig, origin: "flag" as const }
    }
    const files = (env.kubeconfig ?? "").split(delimiter).filter((file) => file !== "")
    const [first, ...rest] = files
    if (first !== undefined) {
      const kubeconfig = yield* attempt(`KUBECONFIG ${files.join(delimiter)}`, (kc) => {
        kc.loadFromFile(first)
        for (const file of rest) {
          const more = new KubeConfig()
          more.loadFromFile(file)
          mergeFirstWins(kc, more)
        }
      })
      return { kubeconfig, origin: "KUBECONFIG" as const }
    }
    const tokenFile = join(serviceAccountDir, "token")
    if (
      (source.inCluster ?? true) &&
      env.inCluster &&
      (yield* Effect.sync(() => existsSync(tokenFile)))
    ) {
      const kubeconfig = yield* attempt("in-cluster ServiceAccount", (kc) => kc.loadFromCluster())
      return { kubeconfig, origin: "in-cluster" as const }
    }
    const home = join(homedir(), ".kube", "config")
    if ((source.homeConfig ?? true) && (yield* Effect.sync(() => existsSync(home)))) {
      const kubeconfig = yield* attempt(home, (kc) => kc.loadFromFile(home))
      return { kubeconfig, origin: "home" as const }
    }
    return yield* new KubeConfigError({
      message:
        "no cluster configured: pass --kubeconfig, set KUBECONFIG, run in a pod with a ServiceAccount" +
        (source.homeConfig === false ? "" : ", or create ~/.kube/config"),
    })
  })
