import { Context, Effect, Layer } from "effect"
import { KubeClient, type KubeClientApi } from "../src/kube/KubeClient.ts"
import { makeClient } from "./inmemory/Client.ts"
import { type InMemoryOptions, makeCore } from "./inmemory/Core.ts"
import { makeDriver } from "./inmemory/Driver.ts"
import { InMemoryDriver, type InMemoryDriverApi } from "./inmemory/InMemoryDriver.ts"

/**
 * An in-memory Kubernetes API server: resourceVersions, generation, namespaces and cluster
 * scope, label and field selectors, finalizers, the namespace controller and garbage collector,
 * server-side apply with field ownership, immutable fields, CRDs and discovery, and watches with
 * a bounded history. Fast tests and the acceptance suite run the programs against it; the
 * InMemoryDriver lets tests inspect objects and logs and script faults.
 *
 * Choices where a real server depends on schemas or timing:
 * - Lists merge as the real schemas say for the built-in kinds we know (containers, env, ports,
 *   volumes, volumeMounts, conditions, ... by key; metadata.finalizers as a set;
 *   ownerReferences by uid); custom resources follow `x-kubernetes-list-type` in their CRD;
 *   every other list is atomic.
 * - create/update/updateStatus record an Update entry for the `fieldManager` option (default
 *   `stageset-controller`, what the live client's User-Agent yields); driver writes record the
 *   manager they name; a manager left owning nothing disappears, as on the real server (so
 *   applying a bare object, e.g. a Namespace with only a name, leaves no entry).
 * - `metadata.generation` exists where the real server keeps it: not for the core group, RBAC,
 *   Lease, events.k8s.io or StorageClass; for apps, batch, networking, policy, CRDs and every
 *   custom resource.
 * - The namespace controller, garbage collector and CRD controller run synchronously after
 *   each write, so a call returns on a settled cluster (the driver can pause them).
 */

export type { InMemoryOptions } from "./inmemory/Core.ts"
export type {
  FaultKind,
  FaultMatch,
  InMemoryDriverApi,
  ObjectFilter,
  RequestLogEntry,
  Verb,
  WriteAsOptions,
  WriteLogEntry,
  WriteVerb,
} from "./inmemory/InMemoryDriver.ts"
export { InMemoryDriver } from "./inmemory/InMemoryDriver.ts"

export const makeKubeClientInMemory = (
  options?: InMemoryOptions,
): Effect.Effect<{ readonly client: KubeClientApi; readonly driver: InMemoryDriverApi }> =>
  Effect.map(makeCore(options), (core) => ({
    client: makeClient(core, core.identity),
    driver: makeDriver(core),
  }))

/** KubeClient and InMemoryDriver over one fresh in-memory cluster, with options. */
export const KubeClientInMemoryWith = (
  options?: InMemoryOptions,
): Layer.Layer<KubeClient | InMemoryDriver> =>
  Layer.effectContext(
    Effect.map(makeKubeClientInMemory(options), ({ client, driver }) =>
      Context.make(KubeClient, client).pipe(Context.add(InMemoryDriver, driver)),
    ),
  )

/** KubeClient and InMemoryDriver over one fresh in-memory cluster with the default discovery table. */
export const KubeClientInMemory: Layer.Layer<KubeClient | InMemoryDriver> = KubeClientInMemoryWith()
