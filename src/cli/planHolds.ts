import { Effect, Option } from "effect"
import type { KubeClientApi } from "../kube/KubeClient.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { dependencyHold } from "../programs/dependsOn/dependencyHold.ts"
import { dependencyKey } from "../programs/dependsOn/dependencyKeys.ts"
import { stageSetKey } from "../programs/stageSet/StageSetKey.ts"
import { parseVersion } from "../programs/version/semanticVersion.ts"
import { type CliFailure, fromKubeError } from "./CliFailure.ts"
import { readyOf, specOf } from "./stageSets.ts"

/** Something that keeps a reconcile from rolling the StageSet out as planned. */
export interface Hold {
  /** The condition reason it shows up as. */
  readonly reason: string
  readonly message: string
  /** Read from the spec, from a live object now, or from the controller's last status. */
  readonly from: "spec" | "live" | "status"
}

/**
 * Refusals only the controller decides (fields it does not implement, an invalid spec):
 * taken from its last status while that status is about the current generation.
 */
const STATUS_HOLDS: ReadonlySet<string> = new Set(["Unsupported", "InvalidSpec"])

/**
 * What holds a StageSet now: its deletion (a reconcile tears it down instead), suspend, a
 * dependency that is not Ready, and what the controller's last status refused.
 */
export const holdsOf = (
  kube: KubeClientApi,
  object: KubeObject,
): Effect.Effect<ReadonlyArray<Hold>, CliFailure> =>
  Effect.gen(function* () {
    const holds: Array<Hold> = []
    const namespace = object.metadata.namespace ?? ""
    if (object.metadata.deletionTimestamp !== undefined)
      holds.push({
        reason: "Deleting",
        message: "the StageSet is being deleted: the next reconcile tears its stages down",
        from: "spec",
      })
    const spec = specOf(object)
    if (Option.exists(spec, (s) => s.suspend))
      holds.push({ reason: "Suspended", message: "spec.suspend is true", from: "spec" })
    for (const dependency of Option.match(spec, {
      onNone: () => [],
      onSome: (s) => s.dependsOn ?? [],
    })) {
      const key = { namespace: dependency.namespace ?? namespace, name: dependency.name }
      const min = dependency.minVersion
      const version = min === undefined ? undefined : parseVersion(min)
      if (min !== undefined && version === undefined) {
        holds.push({
          reason: "InvalidSpec",
          message: `dependsOn ${key.namespace}/${key.name}: minVersion "${min}" is not a semantic version`,
          from: "spec",
        })
        continue
      }
      const found = yield* kube.get(stageSetKey(key)).pipe(
        Effect.map((o): KubeObject | undefined => o),
        Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
        Effect.mapError((error) =>
          fromKubeError(error, { verb: "get", resource: "stageset", ...key }),
        ),
      )
      // The controller's own test (dependencyHold), so plan says what a reconcile would.
      const why = dependencyHold(
        {
          key: dependencyKey(key.namespace, key.name),
          ...(min === undefined || version === undefined
            ? {}
            : { minVersion: { text: min, version } }),
        },
        found,
      )
      if (why !== undefined)
        holds.push({ reason: "DependencyNotReady", message: why, from: "live" })
    }
    const ready = readyOf(object)
    if (
      ready !== undefined &&
      ready.status === "False" &&
      STATUS_HOLDS.has(ready.reason) &&
      ready.observedGeneration === object.metadata.generation
    )
      holds.push({ reason: ready.reason, message: ready.message, from: "status" })
    return holds
  })
