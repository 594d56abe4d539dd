import { expect } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit } from "effect"
import { stageApplySetId } from "../../../src/inventory/ApplySetId.ts"
import type { InventoryMode } from "../../../src/inventory/InventoryMode.ts"
import {
  API_VERSION,
  APPLYSET_CONTAINS_GROUP_KINDS,
  APPLYSET_ID,
  APPLYSET_PART_OF,
  LABEL_STAGE,
  STAGE_SET_KIND,
} from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import { entryIds, getObject, shardsOf } from "./fixtures.ts"
import { managedByController } from "./invariants.ts"
import { SimulatedCrash } from "./Recorder.ts"

/** Whether a reconcile's exit is the simulated process death (and not some other failure). */
export const isSimulatedCrash = <A, E>(exit: Exit.Exit<A, E>): boolean =>
  Exit.isFailure(exit) &&
  Chunk.toReadonlyArray(Cause.defects(exit.cause)).some((d) => d instanceof SimulatedCrash)

export interface ExpectedFinal {
  readonly namespace: string
  readonly stageSet: string
  readonly mode: InventoryMode
  readonly shardCap: number
  /** ConfigMap names each stage renders at the end. */
  readonly stages: Readonly<Record<string, ReadonlyArray<string>>>
  /** Opted-out ConfigMaps that must survive although no stage renders them. */
  readonly survivors: ReadonlyArray<string>
  /** False when the StageSet was deleted (teardown). */
  readonly stageSetExists: boolean
}

const sorted = (values: Iterable<string>) => [...values].sort()

/**
 * The converged state a scenario must reach, read from the cluster: exactly the rendered and
 * the opted-out ConfigMaps exist among the controller's; each stage's record lists exactly its
 * render in the mode's form (entries, or part-of labels plus `contains-group-kinds`); no other
 * stage has shards; no shard is above the cap. Returns a normalised snapshot (namespace and
 * ApplySet ids replaced by placeholders) to compare runs with.
 */
export const expectConverged = (expected: ExpectedFinal) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const ns = expected.namespace
    const idOf = (name: string) => `${ns}_${name}__ConfigMap`
    const stageOfId = new Map(
      Object.keys(expected.stages).map((s) => [stageApplySetId(ns, expected.stageSet, s), s]),
    )
    const ours = (yield* kube.list(
      { apiVersion: "v1", kind: "ConfigMap" },
      { namespace: ns },
    )).items.filter(managedByController)
    expect(sorted(ours.map((o) => o.metadata.name))).toEqual(
      sorted([...Object.values(expected.stages).flat(), ...expected.survivors]),
    )
    const shards = yield* shardsOf(ns, expected.stageSet)
    for (const shard of shards) {
      expect(Object.keys(expected.stages)).toContain(shard.metadata.labels?.[LABEL_STAGE])
      expect(entryIds([shard]).length).toBeLessThanOrEqual(expected.shardCap)
    }
    for (const [stage, names] of Object.entries(expected.stages)) {
      const own = shards.filter((s) => s.metadata.labels?.[LABEL_STAGE] === stage)
      const shard0 = own.find((s) => s.metadata.name === `${expected.stageSet}-${stage}-0`)
      expect(shard0).toBeDefined()
      // Every mode keeps the entries (semantics.md section 4).
      expect(sorted(entryIds(own))).toEqual(sorted(names.map(idOf)))
      const id = stageApplySetId(ns, expected.stageSet, stage)
      if (expected.mode === "entries")
        expect(shard0?.metadata.labels?.[APPLYSET_ID]).toBeUndefined()
      else {
        expect(shard0?.metadata.labels?.[APPLYSET_ID]).toBe(id)
        const kinds = shard0?.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS] ?? ""
        expect(kinds).toBe(names.length === 0 ? "" : "ConfigMap")
      }
      for (const name of names) {
        const partOf = ours.find((o) => o.metadata.name === name)?.metadata.labels?.[
          APPLYSET_PART_OF
        ]
        expect(partOf).toBe(expected.mode === "entries" ? undefined : id)
      }
    }
    const stageSet = yield* getObject({
      apiVersion: API_VERSION,
      kind: STAGE_SET_KIND,
      namespace: ns,
      name: expected.stageSet,
    })
    expect(stageSet !== undefined).toBe(expected.stageSetExists)
    if (!expected.stageSetExists) expect(shards).toEqual([])

    const normalise = (value: string) => value.replaceAll(ns, "NS")
    return {
      objects: sorted(
        ours.map((o) => {
          const partOf = o.metadata.labels?.[APPLYSET_PART_OF]
          return `${o.metadata.name}:${partOf === undefined ? "-" : (stageOfId.get(partOf) ?? "foreign")}`
        }),
      ),
      records: Object.keys(expected.stages)
        .sort()
        .map((stage) => {
          const own = shards.filter((s) => s.metadata.labels?.[LABEL_STAGE] === stage)
          const shard0 = own.find((s) => s.metadata.labels?.[APPLYSET_ID] !== undefined)
          return {
            stage,
            entries: sorted(entryIds(own).map(normalise)),
            groupKinds: shard0?.metadata.annotations?.[APPLYSET_CONTAINS_GROUP_KINDS],
          }
        }),
      stageSet: stageSet === undefined ? "gone" : sorted(stageSet.metadata.finalizers ?? []),
    }
  })

/**
 * Takes a finished scenario's StageSet out of the shared cluster without a teardown:
 * deleted, its finalizer dropped, its objects and inventories left behind. Other
 * StageSets' prunes look at every StageSet in the cluster, so a live run that leaves
 * hundreds of them behind slows every later test down.
 */
export const forgetStageSet = (namespace: string, name: string) =>
  Effect.gen(function* () {
    const kube = yield* KubeClient
    const key = { apiVersion: API_VERSION, kind: STAGE_SET_KIND, namespace, name }
    yield* kube.delete(key)
    const live = yield* kube.get(key)
    if ((live.metadata.finalizers ?? []).length > 0)
      yield* kube.update({ ...live, metadata: { ...live.metadata, finalizers: [] } })
  }).pipe(
    Effect.catchTag("KubeNotFound", () => Effect.void),
    Effect.ignore,
  )
