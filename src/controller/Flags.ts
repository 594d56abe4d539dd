import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { Config, Duration, Effect, Either, type Option, Schema } from "effect"
import {
  type AllowArtifactHosts,
  noArtifactHostsAllowed,
  parseAllowArtifactHosts,
} from "../artifact/AllowArtifactHosts.ts"
import { goDurationOption } from "../flags/goDurationOption.ts"
import { INVENTORY_MODES, type InventoryMode } from "../inventory/InventoryMode.ts"
import { goBoolean, goBooleanSpellings } from "./goFlags.ts"

/** Every controller flag of api.md, parsed and validated. */
export interface ControllerFlags {
  readonly kubeconfig: Option.Option<string>
  readonly context: Option.Option<string>
  readonly inventoryMode: InventoryMode
  readonly inventoryShardCap: number
  readonly defaultInterval: Duration.Duration
  readonly maxTeardownWait: Duration.Duration
  readonly concurrent: number
  readonly applyConcurrency: number
  readonly kubeApiQps: number
  readonly kubeApiBurst: number
  readonly watchNamespaces: ReadonlyArray<string>
  /** None: decided by where the process runs (on in a cluster, off outside one). */
  readonly leaderElect: Option.Option<boolean>
  readonly leaderElectionNamespace: Option.Option<string>
  readonly metricsBindAddress: string
  readonly healthProbeBindAddress: string
  /**
   * None: the level @effect/cli's own `--log-level` already set (it intercepts debug, info
   * and error before our options see them), else Effect's default, info.
   */
  readonly logLevel: Option.Option<"debug" | "info" | "warn" | "error">
  readonly logFormat: "json" | "text"
  /** `--default-service-account`: the identity of StageSets that name none (semantics.md 9). */
  readonly defaultServiceAccount: Option.Option<string>
  /** `--no-cross-namespace-refs`: a source in another namespace is InvalidSpec. */
  readonly noCrossNamespaceRefs: boolean
  /** None: `kustomize` on PATH, else the cached build of hack/build-kustomize.sh. */
  readonly kustomizePath: Option.Option<string>
  /** `--allow-artifact-hosts`: exceptions to the artifact fetcher's address checks. */
  readonly allowArtifactHosts: AllowArtifactHosts
  /** `--shards`: 1 = one replica reconciles everything (under `--leader-elect`); more = one Lease per shard. */
  readonly shards: number
}

const atLeastOne = (name: string) =>
  Schema.Int.pipe(
    Schema.greaterThanOrEqualTo(1, { message: () => `--${name} must be an integer >= 1` }),
  )

const positiveInteger = (name: string, fallback: number, description: string) =>
  Options.integer(name).pipe(
    Options.withSchema(atLeastOne(name)),
    Options.withDefault(fallback),
    Options.withDescription(`${description} Default ${fallback}.`),
  )

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

const fields = Options.all({
  kubeconfig: Options.text("kubeconfig").pipe(
    Options.withDescription(
      "Path to a kubeconfig. Otherwise KUBECONFIG, then the in-cluster ServiceAccount, then ~/.kube/config.",
    ),
    Options.optional,
  ),
  context: Options.text("context").pipe(
    Options.withDescription("The kubeconfig context to use (default: its current-context)."),
    Options.optional,
  ),
  inventoryMode: Options.choice("inventory-mode", INVENTORY_MODES).pipe(
    Options.withDefault<InventoryMode>("hybrid"),
    Options.withDescription(
      "How stage inventories are kept: hybrid (entries + ApplySet), entries, or applyset. Default hybrid.",
    ),
  ),
  inventoryShardCap: positiveInteger(
    "inventory-shard-cap",
    5000,
    "Maximum entries per StageInventory shard.",
  ),
  defaultInterval: goDurationOption(
    "default-interval",
    Duration.minutes(10),
    "Reconcile cadence when spec.interval is unset (Go duration). Default 10m.",
  ),
  maxTeardownWait: goDurationOption(
    "max-teardown-wait",
    Duration.hours(1),
    "Upper bound on waiting for one stage's objects to go during teardown; each stage waits its verify timeout (readyChecks.timeout, stages[].timeout, spec.timeout, 15m), at most this (Go duration). Default 1h.",
  ),
  concurrent: positiveInteger("concurrent", 4, "StageSets reconciled in parallel."),
  applyConcurrency: positiveInteger(
    "apply-concurrency",
    16,
    "API requests in flight within one stage.",
  ),
  kubeApiQps: Options.float("kube-api-qps").pipe(
    Options.withSchema(
      Schema.Number.pipe(
        Schema.greaterThan(0, { message: () => "--kube-api-qps must be greater than 0" }),
      ),
    ),
    Options.withDefault(50),
    Options.withDescription(
      "Sustained Kubernetes API requests per second (client-side token bucket). Default 50.",
    ),
  ),
  kubeApiBurst: positiveInteger("kube-api-burst", 100, "Token bucket size for API requests."),
  watchNamespaces: Options.text("watch-namespaces").pipe(
    // The Go implementation reads the same variable when the flag is not given.
    Options.withFallbackConfig(
      Config.string("STAGESET_WATCH_NAMESPACES").pipe(Config.withDefault("")),
    ),
    Options.mapEffect((text) => {
      const list = text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
      const bad = list.find((ns) => !(DNS1123_LABEL.test(ns) && ns.length <= 63))
      return bad === undefined
        ? Effect.succeed<ReadonlyArray<string>>(list)
        : Effect.fail(
            ValidationError.invalidValue(
              HelpDoc.p(`--watch-namespaces: ${JSON.stringify(bad)} is not a namespace name`),
            ),
          )
    }),
    Options.withDescription(
      "Comma-separated namespaces to watch (default: STAGESET_WATCH_NAMESPACES, else all namespaces).",
    ),
  ),
  // Bare `--leader-elect` is expanded to `=true` before parsing (goFlags.ts).
  leaderElect: Options.choice("leader-elect", goBooleanSpellings).pipe(
    Options.map(goBoolean),
    Options.optional,
    Options.withDescription(
      `Elect a leader through the Lease stageset-controller.stages.metio.wtf; bare --leader-elect means true (default: true in a cluster, false outside).`,
    ),
  ),
  leaderElectionNamespace: Options.text("leader-election-namespace").pipe(
    Options.optional,
    Options.withDescription(
      "Namespace of the leader Lease (default: the pod's namespace in a cluster, else default).",
    ),
  ),
  metricsBindAddress: Options.text("metrics-bind-address").pipe(
    Options.withDefault(":8080"),
    Options.withDescription("host:port for Prometheus /metrics; 0 disables it. Default :8080."),
  ),
  healthProbeBindAddress: Options.text("health-probe-bind-address").pipe(
    Options.withDefault(":8081"),
    Options.withDescription("host:port for /healthz and /readyz; 0 disables it. Default :8081."),
  ),
  // @effect/cli's built-in --log-level takes debug/info/error (and sets the minimum level for
  // the whole run) but not "warn", which reaches this option; so this one is optional and
  // only overrides when given.
  logLevel: Options.choice("log-level", ["debug", "info", "warn", "error"] as const).pipe(
    Options.optional,
    Options.withDescription("Least severe level logged. Default info."),
  ),
  logFormat: Options.choice("log-format", ["json", "text"] as const).pipe(
    Options.withDefault("json" as const),
    Options.withDescription("json (one object per line) or text (logfmt). Default json."),
  ),
  defaultServiceAccount: Options.text("default-service-account").pipe(
    Options.mapEffect((text) =>
      DNS1123_SUBDOMAIN.test(text) && text.length <= 253
        ? Effect.succeed(text)
        : Effect.fail(
            ValidationError.invalidValue(
              HelpDoc.p(
                `--default-service-account: ${JSON.stringify(text)} is not a ServiceAccount name`,
              ),
            ),
          ),
    ),
    Options.optional,
    Options.withDescription(
      "ServiceAccount (in the StageSet's namespace) that StageSets naming none act as, instead of the controller's own identity: source reads, applies, readiness, prune and teardown. Flux's multi-tenancy lockdown.",
    ),
  ),
  noCrossNamespaceRefs: Options.boolean("no-cross-namespace-refs").pipe(
    Options.withDescription(
      "Refuse (InvalidSpec) a sourceRef in another namespace than the StageSet's (postBuild.substituteFrom is always read in the StageSet's own).",
    ),
  ),
  kustomizePath: Options.file("kustomize-path", { exists: "yes" }).pipe(
    Options.optional,
    Options.withDescription(
      "The kustomize binary that builds kustomizations (default: kustomize on PATH, as in the image).",
    ),
  ),
  allowArtifactHosts: Options.text("allow-artifact-hosts").pipe(
    Options.mapEffect((text) =>
      Either.match(parseAllowArtifactHosts(text.split(",")), {
        onLeft: (why) =>
          Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--allow-artifact-hosts: ${why}`))),
        onRight: Effect.succeed,
      }),
    ),
    Options.withDefault(noArtifactHostsAllowed),
    Options.withDescription(
      "Comma-separated host names, IP addresses and CIDR ranges an artifact URL may reach although they are loopback, link-local, unspecified or cloud-metadata addresses (default: none).",
    ),
  ),
  shards: positiveInteger(
    "shards",
    1,
    "Split StageSets into this many shards by a hash of namespace/name; each is held by one replica through its Lease stageset-controller-shard-<k>.stages.metio.wtf, so replicas share the work. More than 1 replaces the single leader Lease.",
  ),
})

/**
 * Shards are handed out through Leases, so `--shards` above 1 with `--leader-elect=false`
 * asks for two things that cannot both hold: refused rather than one of them ignored.
 */
export const controllerOptions = fields.pipe(
  Options.mapEffect((flags) =>
    flags.shards > 1 && flags.leaderElect._tag === "Some" && !flags.leaderElect.value
      ? Effect.fail(
          ValidationError.invalidValue(
            HelpDoc.p(
              `--shards=${flags.shards} needs the shard Leases: it cannot be combined with --leader-elect=false`,
            ),
          ),
        )
      : Effect.succeed(flags),
  ),
) satisfies Options.Options<ControllerFlags>
