import { Option, Predicate } from "effect"
import type { KubeObject, ObjectKey } from "../kube/KubeObject.ts"

/**
 * The leader-election record kept in a coordination.k8s.io/v1 Lease's spec, as client-go's
 * LeaseLock reads and writes it. Times are epoch milliseconds; on the wire they are MicroTime.
 */
export interface LeaseRecord {
  /** Empty when nobody holds the lease (never acquired, or released). */
  readonly holderIdentity: string
  readonly leaseDurationSeconds: number
  readonly acquireTime: Option.Option<number>
  readonly renewTime: Option.Option<number>
  readonly leaseTransitions: number
}

export const leaseKey = (namespace: string, name: string): ObjectKey => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  namespace,
  name,
})

/**
 * Formats epoch milliseconds as a Kubernetes MicroTime (`2006-01-02T15:04:05.000000Z`): the API
 * server rejects Lease times without the six fractional digits.
 */
export const formatMicroTime = (millis: number): string =>
  `${new Date(millis).toISOString().slice(0, -1)}000Z`

/** Parses a MicroTime (or an RFC 3339 time); None for anything else, which counts as expired. */
export const parseMicroTime = (value: unknown): Option.Option<number> => {
  if (typeof value !== "string") return Option.none()
  const millis = Date.parse(value)
  return Number.isNaN(millis) ? Option.none() : Option.some(millis)
}

const asRecord = (value: unknown): Readonly<Record<string, unknown>> =>
  Predicate.isRecord(value) ? value : {}

const asNumber = (value: unknown, fallback: number): number =>
  typeof value === "number" && Number.isFinite(value) ? value : fallback

/** Reads the record from a Lease; missing fields read as client-go reads nil pointers. */
export const readLeaseRecord = (lease: KubeObject, defaultDurationSeconds: number): LeaseRecord => {
  const spec = asRecord(lease.spec)
  return {
    holderIdentity: typeof spec.holderIdentity === "string" ? spec.holderIdentity : "",
    leaseDurationSeconds: asNumber(spec.leaseDurationSeconds, defaultDurationSeconds),
    acquireTime: parseMicroTime(spec.acquireTime),
    renewTime: parseMicroTime(spec.renewTime),
    leaseTransitions: asNumber(spec.leaseTransitions, 0),
  }
}

/**
 * Whether someone other than `identity` holds the lease at `now`: a holder is set and
 * renewTime + leaseDurationSeconds has not passed. The holder's own duration counts, not ours,
 * because it is the holder's promise of how long it may go without renewing.
 */
export const heldByOther = (record: LeaseRecord, identity: string, now: number): boolean =>
  record.holderIdentity !== "" &&
  record.holderIdentity !== identity &&
  Option.match(record.renewTime, {
    onNone: () => false,
    onSome: (renewed) => renewed + record.leaseDurationSeconds * 1000 >= now,
  })

/**
 * The Lease to write for `record`. Starting from the live object keeps its resourceVersion (the
 * optimistic-concurrency precondition of the update) and any spec fields we do not manage
 * (`strategy`, `preferredHolder`), which a PUT would otherwise drop.
 */
export const leaseObject = (
  key: ObjectKey,
  record: LeaseRecord,
  live: Option.Option<KubeObject>,
): KubeObject => {
  const base: KubeObject = Option.getOrElse(live, () => ({
    apiVersion: key.apiVersion,
    kind: key.kind,
    metadata: {
      name: key.name,
      ...(key.namespace === undefined ? {} : { namespace: key.namespace }),
    },
  }))
  const {
    holderIdentity: _holder,
    acquireTime: _acquired,
    renewTime: _renewed,
    ...unmanaged
  } = asRecord(base.spec)
  const time = (field: string, millis: Option.Option<number>) =>
    Option.match(millis, { onNone: () => ({}), onSome: (m) => ({ [field]: formatMicroTime(m) }) })
  return {
    ...base,
    spec: {
      ...unmanaged,
      // An empty holder is written as absent, which every reader treats as "not held".
      ...(record.holderIdentity === "" ? {} : { holderIdentity: record.holderIdentity }),
      leaseDurationSeconds: record.leaseDurationSeconds,
      ...time("acquireTime", record.acquireTime),
      ...time("renewTime", record.renewTime),
      leaseTransitions: record.leaseTransitions,
    },
  }
}
