import { readFile } from "node:fs/promises"
import { Cause, Config, Effect, Layer, Option, Schedule, SubscriptionRef } from "effect"
import { API_VERSION, STAGE_SET_KIND } from "../inventory/Labels.ts"
import { KubeClient } from "../kube/KubeClient.ts"
import { formatBindAddress, parseBindAddress } from "./bindAddress.ts"
import { runController } from "./Controller.ts"
import type { ControllerFlags } from "./Flags.ts"
import { makeLeaderElectionConfig, withLeaderElection } from "./LeaderElection.ts"
import { MetricsServerLive } from "./MetricsServer.ts"
import { ProbeServerLive } from "./ProbeServer.ts"
import { ProcessInfo } from "./ProcessInfo.ts"
import { makeShardLeasesConfig, withShardLeases } from "./ShardLeases.ts"

const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

/** The Lease's namespace: the flag, else POD_NAMESPACE, else the ServiceAccount's, else default. */
const leaseNamespace = (flags: ControllerFlags) =>
  Option.match(flags.leaderElectionNamespace, {
    onSome: Effect.succeed,
    onNone: () =>
      Config.string("POD_NAMESPACE").pipe(
        Effect.orElse(() =>
          Effect.tryPromise(async () => (await readFile(serviceAccountNamespace, "utf8")).trim()),
        ),
        Effect.orElseSucceed(() => "default"),
      ),
  })

/** Until the StageSet CRD is served there is nothing to watch: say so and keep checking. */
const awaitStageSetApi = Effect.flatMap(KubeClient, (kube) =>
  kube.discover(API_VERSION, STAGE_SET_KIND).pipe(
    Effect.tapError((error) =>
      Effect.logWarning(
        "the StageSet API is not served yet (are the CRDs installed?); checking again",
      ).pipe(Effect.annotateLogs({ error: error.message })),
    ),
    Effect.retry(Schedule.spaced("5 seconds")),
    Effect.tap(() => kube.invalidateDiscovery),
  ),
)

/**
 * The controller process over the services its composition root provides: serve metrics
 * and probes, elect a leader (when asked), and run the controller loop until interrupted
 * (SIGTERM/SIGINT through the Node runtime), releasing the lease on the way out.
 */
export const runProcess = (flags: ControllerFlags) =>
  Effect.gen(function* () {
    const metricsAddress = yield* parseBindAddress(flags.metricsBindAddress)
    const probeAddress = yield* parseBindAddress(flags.healthProbeBindAddress)
    const { identity, version, server, kubeconfigOrigin: origin } = yield* ProcessInfo
    const sharded = flags.shards > 1
    // With shards the shard Leases take the place of the leader Lease (Flags refuses
    // --shards with --leader-elect=false).
    const leaderElect =
      !sharded && Option.getOrElse(flags.leaderElect, () => origin === "in-cluster")
    const serving = yield* SubscriptionRef.make(false)
    const isLeader = yield* SubscriptionRef.make(!leaderElect)

    yield* Effect.logInfo("starting stageset-controller").pipe(
      Effect.annotateLogs({
        version,
        identity,
        cluster: server,
        kubeconfigFrom: origin,
        inventoryMode: flags.inventoryMode,
        shardCap: flags.inventoryShardCap,
        concurrent: flags.concurrent,
        leaderElect,
        shards: flags.shards,
        metrics: Option.match(metricsAddress, { onNone: () => "off", onSome: formatBindAddress }),
        probes: Option.match(probeAddress, { onNone: () => "off", onSome: formatBindAddress }),
        // Exceptions to a security check belong in the first line an operator reads.
        allowArtifactHosts: flags.allowArtifactHosts.entries.join(",") || "none",
      }),
    )

    const controller = Effect.zipRight(
      Effect.zipRight(awaitStageSetApi, SubscriptionRef.set(serving, true)),
      runController,
    )
    const work = sharded
      ? Effect.flatMap(leaseNamespace(flags), (namespace) =>
          withShardLeases(
            makeShardLeasesConfig({ shards: flags.shards, namespace, identity }),
            controller,
          ),
        )
      : leaderElect
        ? Effect.flatMap(leaseNamespace(flags), (namespace) =>
            withLeaderElection(
              makeLeaderElectionConfig({ namespace, identity }),
              controller,
              isLeader,
            ),
          )
        : controller
    // Ready once the API server answers and serves StageSets; a standby is ready too, so a
    // rollout is not blocked on the leader (only one replica reconciles at a time anyway).
    // A sharded replica is ready once serving, whether or not it holds a shard yet.
    const ready = leaderElect
      ? Effect.zipWith(
          SubscriptionRef.get(serving),
          SubscriptionRef.get(isLeader),
          (s, l) => s || !l,
        )
      : SubscriptionRef.get(serving)
    const endpoints = Layer.merge(
      MetricsServerLive(metricsAddress),
      ProbeServerLive(probeAddress, ready),
    )
    return yield* work.pipe(Effect.provide(endpoints))
  })

/** Logs why the process stopped, unless it was asked to (SIGTERM/SIGINT). */
export const logStop = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.void
        : Effect.logError("stageset-controller stopped", cause),
    ),
  )
