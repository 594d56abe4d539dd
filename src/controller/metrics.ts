import { Metric, MetricBoundaries, MetricKey, MetricLabel } from "effect"

/**
 * The controller's Prometheus metrics, defined once. Instruments are Effect Metrics; the
 * metrics endpoint exports them. Label values are bounded (results, verbs, codes, and the
 * StageSets/stages the controller owns).
 */

/** Seconds one reconcile took, by `result` (ready, failed, suspended, deleted, error). */
export const reconcileDuration = Metric.histogram(
  "stageset_reconcile_duration_seconds",
  MetricBoundaries.exponential({ start: 0.01, factor: 2, count: 14 }),
  "Duration of one StageSet reconcile in seconds, by result",
)

/** Reconciles by `result`. */
export const reconcileTotal = Metric.counter("stageset_reconcile_total", {
  description: "StageSet reconciles, by result",
  incremental: true,
})

/** Objects applied (server-side apply that ran), by StageSet namespace. */
export const objectsApplied = Metric.counter("stageset_objects_applied_total", {
  description: "Objects applied by server-side apply",
  incremental: true,
})

/** Objects deleted by prune or teardown. */
export const objectsPruned = Metric.counter("stageset_objects_pruned_total", {
  description: "Objects deleted by prune or teardown",
  incremental: true,
})

/** StageSets waiting in the work queue (not counting ones in flight). */
export const queueDepth = Metric.gauge("stageset_workqueue_depth", {
  description: "StageSets waiting in the work queue",
})

/** Entries recorded per stage (tags: namespace, stageset, stage). */
export const inventoryEntries = Metric.gauge("stageset_inventory_entries", {
  description: "Entries in a stage's inventory",
})

/** StageInventory shards per stage (tags: namespace, stageset, stage). */
export const inventoryShards = Metric.gauge("stageset_inventory_shards", {
  description: "StageInventory shards of a stage",
})

/** Kubernetes API requests by `verb` and `code` (HTTP status, or `error` for a transport failure). */
const apiRequestsKey = MetricKey.counter("stageset_kube_api_requests_total", {
  description: "Kubernetes API requests, by verb and status code",
  incremental: true,
})
export const apiRequests = Metric.fromMetricKey(apiRequestsKey)

/**
 * `apiRequests` for one verb and code, its labels part of its key: Metric.tagged would
 * build the labelled key again and look it up in the registry on every update, which per
 * request is CPU the controller spends on nothing (B6). The series are the same.
 */
export const apiRequestsOf = (verb: string, code: string) =>
  Metric.fromMetricKey(
    MetricKey.taggedWithLabels(apiRequestsKey, [
      MetricLabel.make("verb", verb),
      MetricLabel.make("code", code),
    ]),
  )
