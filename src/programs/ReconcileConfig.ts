import { Context, Duration } from "effect"
import type { InventoryMode } from "../inventory/InventoryMode.ts"

/** Process-wide settings the programs obey (controller flags, api.md). */
export interface ReconcileConfigApi {
  readonly inventoryMode: InventoryMode
  /** `--inventory-shard-cap`: max entries per StageInventory shard. */
  readonly shardCap: number
  /** `--apply-concurrency`: requests in flight within one stage. */
  readonly applyConcurrency: number
  /** The controller's semver, for the ApplySet tooling annotation. */
  readonly version: string
  /** Verify timeout when neither the stage nor the StageSet sets one. */
  readonly defaultTimeout: Duration.Duration
  /** How long Recreate waits for a deleted object to disappear. */
  readonly deleteTimeout: Duration.Duration
  /**
   * `--max-teardown-wait`: the most teardown waits for one stage's objects to go (each
   * stage waits its verify timeout ladder, capped by this).
   */
  readonly maxTeardownWait: Duration.Duration
  /**
   * `--default-service-account`: the ServiceAccount a StageSet that names none acts as
   * (semantics.md section 9); undefined: the controller's own identity.
   */
  readonly defaultServiceAccount: string | undefined
  /** `--no-cross-namespace-refs`: a sourceRef in another namespace is InvalidSpec. */
  readonly noCrossNamespaceRefs: boolean
}

export class ReconcileConfig extends Context.Tag("stageset/ReconcileConfig")<
  ReconcileConfig,
  ReconcileConfigApi
>() {}

export const defaultReconcileConfig: ReconcileConfigApi = {
  inventoryMode: "hybrid",
  shardCap: 5000,
  applyConcurrency: 16,
  version: "0.1.0",
  defaultTimeout: Duration.minutes(15),
  deleteTimeout: Duration.minutes(5),
  maxTeardownWait: Duration.hours(1),
  defaultServiceAccount: undefined,
  noCrossNamespaceRefs: false,
}
