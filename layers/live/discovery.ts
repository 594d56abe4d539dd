import { Effect, Predicate, Ref } from "effect"
import { fromStatus, type KubeError } from "../../src/kube/KubeError.ts"
import { formatApiVersion, type ResourceInfo } from "../../src/kube/KubeObject.ts"
import { groupVersionPath } from "./paths.ts"
import type { Transport } from "./transport.ts"

/** A cached RESTMapper: kind -> plural and scope, from the API server's discovery documents. */
export interface Discovery {
  readonly discover: (apiVersion: string, kind: string) => Effect.Effect<ResourceInfo, KubeError>
  readonly resources: () => Effect.Effect<ReadonlyArray<ResourceInfo>, KubeError>
  readonly invalidate: Effect.Effect<void>
}

interface Snapshot {
  /** Every served version of every kind, keyed `apiVersion|kind`. */
  readonly byKey: ReadonlyMap<string, ResourceInfo>
  /** One entry per resource, at its group's preferred version. */
  readonly preferred: ReadonlyArray<ResourceInfo>
}

const keyOf = (apiVersion: string, kind: string) => `${apiVersion}|${kind}`

// Aggregated discovery (GA since 1.30): the whole map in two requests.
const aggregatedAccept =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"

const records = (value: unknown): ReadonlyArray<Record<string, unknown>> =>
  Array.isArray(value) ? value.filter(Predicate.isRecord) : []

const str = (value: unknown): string => (typeof value === "string" ? value : "")

const snapshotOf = (
  groups: ReadonlyArray<{ preferred: string; infos: ReadonlyArray<ResourceInfo> }>,
): Snapshot => {
  const byKey = new Map<string, ResourceInfo>()
  const preferred: Array<ResourceInfo> = []
  for (const group of groups)
    for (const info of group.infos) {
      const key = keyOf(formatApiVersion(info.group, info.version), info.kind)
      // Several resources of one kind in a group version are rare; the first is the canonical one.
      if (!byKey.has(key)) byKey.set(key, info)
      if (info.version === group.preferred) preferred.push(info)
    }
  return { byKey, preferred }
}

/** The verbs a discovery entry lists, when it lists them as strings. */
const verbsOf = (r: Record<string, unknown>): { verbs?: ReadonlyArray<string> } =>
  Array.isArray(r.verbs) ? { verbs: r.verbs.filter(Predicate.isString) } : {}

/** APIGroupDiscoveryList (v2): versions are listed in order of preference. */
const fromAggregated = (lists: ReadonlyArray<unknown>): Snapshot | undefined => {
  if (!lists.every((list) => Predicate.isRecord(list) && list.kind === "APIGroupDiscoveryList"))
    return undefined
  const groups = lists.flatMap((list) =>
    records(Predicate.isRecord(list) ? list.items : []).map((item) => {
      const group = Predicate.isRecord(item.metadata) ? str(item.metadata.name) : ""
      const versions = records(item.versions)
      const infos = versions.flatMap((v) =>
        records(v.resources).flatMap((r): ReadonlyArray<ResourceInfo> => {
          const kind = Predicate.isRecord(r.responseKind) ? str(r.responseKind.kind) : ""
          if (kind === "") return []
          const hasStatus = records(r.subresources).some((s) => s.subresource === "status")
          const namespaced = r.scope === "Namespaced"
          return [
            {
              group,
              version: str(v.version),
              kind,
              plural: str(r.resource),
              namespaced,
              hasStatus,
              ...verbsOf(r),
            },
          ]
        }),
      )
      return { preferred: str(versions[0]?.version), infos }
    }),
  )
  return snapshotOf(groups)
}

/** APIResourceList of one group version; `deployments/status` style entries are subresources. */
const fromResourceList = (
  group: string,
  version: string,
  list: unknown,
): ReadonlyArray<ResourceInfo> => {
  const resources = records(Predicate.isRecord(list) ? list.resources : [])
  const names = new Set(resources.map((r) => str(r.name)))
  return resources.flatMap((r): ReadonlyArray<ResourceInfo> => {
    const plural = str(r.name)
    if (plural === "" || plural.includes("/") || str(r.kind) === "") return []
    const hasStatus = names.has(`${plural}/status`)
    return [
      {
        group,
        version,
        kind: str(r.kind),
        plural,
        namespaced: r.namespaced === true,
        hasStatus,
        ...verbsOf(r),
      },
    ]
  })
}

/** The classic walk: /api, /apis, then every group version (for servers without aggregated discovery). */
const fromGroupVersions = (transport: Transport, apis: unknown) =>
  Effect.gen(function* () {
    const core = yield* transport.json({ method: "GET", path: "/api" })
    const targets = [
      ...(Predicate.isRecord(core) && Array.isArray(core.versions) ? core.versions : ["v1"]).map(
        (v) => ({
          group: "",
          versions: [str(v)],
          preferred: "v1",
        }),
      ),
      ...records(Predicate.isRecord(apis) ? apis.groups : []).map((g) => ({
        group: str(g.name),
        versions: records(g.versions).map((v) => str(v.version)),
        preferred: Predicate.isRecord(g.preferredVersion) ? str(g.preferredVersion.version) : "",
      })),
    ]
    const groups = yield* Effect.forEach(
      targets,
      (target) =>
        Effect.forEach(target.versions, (version) =>
          transport.json({ method: "GET", path: groupVersionPath(target.group, version) }).pipe(
            Effect.map((list) => fromResourceList(target.group, version, list)),
            // One unavailable aggregated API must not hide all the others (client-go tolerates it too).
            Effect.orElseSucceed((): ReadonlyArray<ResourceInfo> => []),
          ),
        ).pipe(Effect.map((infos) => ({ preferred: target.preferred, infos: infos.flat() }))),
      { concurrency: 8 },
    )
    return snapshotOf(groups)
  })

const fetchSnapshot = (
  transport: Transport,
  aggregated: boolean,
): Effect.Effect<Snapshot, KubeError> =>
  Effect.gen(function* () {
    const accept = aggregated ? aggregatedAccept : "application/json"
    const [core, apis] = yield* Effect.all(
      [
        transport.json({ method: "GET", path: "/api", accept }),
        transport.json({ method: "GET", path: "/apis", accept }),
      ],
      { concurrency: 2 },
    )
    // A server without aggregated discovery answers the plain lists instead.
    return fromAggregated([core, apis]) ?? (yield* fromGroupVersions(transport, apis))
  })

/** `aggregated: false` walks every group version, as servers before 1.30 require. */
export const makeDiscovery = (
  transport: Transport,
  options: { readonly aggregated: boolean } = { aggregated: true },
): Effect.Effect<Discovery> =>
  Effect.gen(function* () {
    const state = yield* Ref.make<{ readonly generation: number; readonly snapshot?: Snapshot }>({
      generation: 0,
    })
    const lock = yield* Effect.makeSemaphore(1)

    // One fetch at a time; whoever waited behind a fetch reuses its result.
    const refresh = (seen: number) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const current = yield* Ref.get(state)
          if (current.snapshot !== undefined && current.generation !== seen) return current.snapshot
          const snapshot = yield* fetchSnapshot(transport, options.aggregated)
          yield* Ref.update(state, (s) => ({ generation: s.generation + 1, snapshot }))
          return snapshot
        }),
      )

    const current = Effect.flatMap(Ref.get(state), (s) =>
      s.snapshot !== undefined
        ? Effect.succeed({ snapshot: s.snapshot, fresh: false, generation: s.generation })
        : Effect.map(refresh(s.generation), (snapshot) => ({
            snapshot,
            fresh: true,
            generation: -1,
          })),
    )

    const discover = (apiVersion: string, kind: string) =>
      Effect.gen(function* () {
        const key = keyOf(apiVersion, kind)
        const { snapshot, fresh, generation } = yield* current
        const cached = snapshot.byKey.get(key)
        if (cached !== undefined) return cached
        // A CRD may have been established since the last fetch: look once more before giving up.
        const refreshed = fresh ? snapshot : yield* refresh(generation)
        const info = refreshed.byKey.get(key)
        if (info !== undefined) return info
        return yield* Effect.fail(
          fromStatus(
            404,
            `the server does not serve kind ${kind} at ${apiVersion}`,
            `discover ${apiVersion} ${kind}`,
          ),
        )
      })

    return {
      discover,
      resources: () => Effect.map(current, ({ snapshot }) => snapshot.preferred),
      invalidate: Ref.update(state, (s) => ({ generation: s.generation + 1 })),
    }
  })
