import { Effect, Option, Schema } from "effect"
import { StageSetSpec } from "../../schemas/StageSet.ts"
import {
  API_VERSION,
  LABEL_STAGE_SET,
  STAGE_INVENTORY_KIND,
  STAGE_SET_KIND,
} from "../inventory/Labels.ts"
import type { KubeClientApi } from "../kube/KubeClient.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { statusOf } from "../programs/stageSet/observeStageSet.ts"
import { stageSetKey } from "../programs/stageSet/StageSetKey.ts"
import { type CliFailure, fromKubeError, usageFailure } from "./CliFailure.ts"

const decodeSpec = Schema.decodeUnknownOption(StageSetSpec)

/**
 * The spec, decoded by its Schema; none when it does not decode (the CLI still shows such
 * a StageSet: its status says why it is not Ready).
 */
export const specOf = (object: KubeObject): Option.Option<StageSetSpec> => decodeSpec(object.spec)

/** The names of the StageSet's stages in spec order (none when the spec does not decode). */
export const stageNamesOf = (object: KubeObject): ReadonlyArray<string> =>
  Option.match(specOf(object), {
    onNone: () => [],
    onSome: (spec) => spec.stages.map((stage) => stage.name),
  })

/** The Ready condition of the StageSet's status, decoded by its Schema. */
export const readyOf = (object: KubeObject) =>
  statusOf(object).conditions?.find((condition) => condition.type === "Ready")

export const getStageSet = (
  kube: KubeClientApi,
  namespace: string,
  name: string,
): Effect.Effect<KubeObject, CliFailure> =>
  kube
    .get(stageSetKey({ namespace, name }))
    .pipe(
      Effect.mapError((error) =>
        fromKubeError(error, { verb: "get", resource: "stageset", name, namespace }),
      ),
    )

/** StageSets of `namespace` (all namespaces when undefined), by namespace and name. */
export const listStageSets = (
  kube: KubeClientApi,
  namespace: string | undefined,
  labelSelector?: string,
): Effect.Effect<ReadonlyArray<KubeObject>, CliFailure> =>
  kube
    .list(
      { apiVersion: API_VERSION, kind: STAGE_SET_KIND },
      {
        ...(namespace === undefined ? {} : { namespace }),
        ...(labelSelector === undefined ? {} : { labelSelector }),
      },
    )
    .pipe(
      Effect.map((list) =>
        [...list.items].sort(
          (a, b) =>
            (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
            a.metadata.name.localeCompare(b.metadata.name),
        ),
      ),
      Effect.mapError((error) =>
        // The API server refuses a malformed selector: a usage error, as in kubectl.
        error._tag === "KubeInvalid" && labelSelector !== undefined
          ? usageFailure(`-l ${labelSelector}: ${error.message}`)
          : fromKubeError(error, {
              verb: "list",
              resource: "stagesets",
              ...(namespace === undefined ? {} : { namespace }),
            }),
      ),
    )

/** Every StageInventory shard of a StageSet, by name. */
export const listShards = (
  kube: KubeClientApi,
  namespace: string,
  stageSet: string,
): Effect.Effect<ReadonlyArray<KubeObject>, CliFailure> =>
  kube
    .list(
      { apiVersion: API_VERSION, kind: STAGE_INVENTORY_KIND },
      { namespace, labelSelector: `${LABEL_STAGE_SET}=${stageSet}` },
    )
    .pipe(
      Effect.map((list) => list.items),
      Effect.mapError((error) =>
        fromKubeError(error, { verb: "list", resource: "stageinventories", namespace }),
      ),
    )
