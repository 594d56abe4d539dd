import { Either, Schema } from "effect"
import { KubeConfigReference } from "../../../schemas/StageSet.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import type { TeardownIdentity } from "../phases/teardown.ts"

/** Only the fields that say whose rights a StageSet uses; everything else may be anything. */
const IdentityFields = Schema.Struct({
  spec: Schema.Struct({
    serviceAccountName: Schema.optional(Schema.String),
    // Where the objects are: teardown deletes them there (api.md, "StageSets and clusters").
    kubeConfig: Schema.optional(KubeConfigReference),
    stages: Schema.optionalWith(
      Schema.Array(
        Schema.Struct({ name: Schema.String, serviceAccountName: Schema.optional(Schema.String) }),
      ),
      { default: () => [] },
    ),
  }),
})

/**
 * Whose rights the teardown of a deleted StageSet uses, read from the spec as it is now.
 * Decoded on its own, not through the whole spec: a StageSet whose spec no longer passes
 * (a field the controller refuses) must still be torn down as its ServiceAccount, never as
 * the controller. The CRD types these fields, so they always decode on a real server.
 */
export const teardownIdentity = (live: KubeObject): TeardownIdentity => {
  const namespace = live.metadata.namespace ?? ""
  return Either.match(Schema.decodeUnknownEither(IdentityFields)(live), {
    onLeft: () => ({ namespace, stages: [] }),
    onRight: ({ spec }) => ({
      namespace,
      ...(spec.serviceAccountName === undefined
        ? {}
        : { serviceAccountName: spec.serviceAccountName }),
      ...(spec.kubeConfig === undefined ? {} : { kubeConfig: spec.kubeConfig }),
      stages: spec.stages.map((s) =>
        s.serviceAccountName === undefined
          ? { name: s.name }
          : { name: s.name, serviceAccountName: s.serviceAccountName },
      ),
    }),
  })
}
