import { Effect } from "effect"
import { InventoryStore } from "../../inventory-store/InventoryStore.ts"
import { KubeClient } from "../../kube/KubeClient.ts"
import type { ConnectError } from "../connectTarget.ts"
import { TeardownFailed } from "../errors/TeardownFailed.ts"
import type { StageSetKey } from "../stageSet/StageSetKey.ts"
import type { TeardownResult } from "./teardown.ts"

/**
 * The teardown's result when its target cannot be reached: a failure holding the
 * finalizer, unless no stage is recorded. In a terminating namespace whose kubeConfig
 * Secret is already gone (or no longer readable) nothing can bring the cluster back, so
 * the objects there are given up with a `TeardownForced` Event and the records released,
 * rather than blocking the namespace forever (semantics.md section 5, rule 5; Flux does
 * the same when the kubeconfig is gone).
 */
export const teardownUnreachable = (key: StageSetKey, error: ConnectError) =>
  Effect.gen(function* () {
    const store = yield* InventoryStore
    const records = [...(yield* store.listStageSet(key.namespace, key.name))].sort(
      (a, b) => b.position - a.position,
    )
    const top = records[0]
    if (top === undefined) return { events: [], failure: undefined } satisfies TeardownResult
    const secretGone =
      (error._tag === "KubeConfigUnavailable" && error.missing === "Secret") ||
      error._tag === "KubeForbidden"
    const namespaceGoing =
      secretGone &&
      (yield* Effect.flatMap(KubeClient, (kube) =>
        kube.get({ apiVersion: "v1", kind: "Namespace", name: key.namespace }),
      ).pipe(
        Effect.map((ns) => ns.metadata.deletionTimestamp !== undefined),
        Effect.catchTag("KubeNotFound", () => Effect.succeed(true)),
      ))
    if (!namespaceGoing)
      return {
        events: [],
        failure: new TeardownFailed({ stage: top.stage, message: error.message }),
      } satisfies TeardownResult
    for (const record of records) yield* store.deleteStage(record)
    return {
      events: [
        {
          type: "Warning",
          reason: "TeardownForced",
          message: `gave up deleting the objects of stages ${records.map((r) => r.stage).join(", ")} in the remote cluster: namespace ${key.namespace} is terminating and ${error.message}`,
        },
      ],
      failure: undefined,
    } satisfies TeardownResult
  })
