/**
 * The variables of a stage's `postBuild`, as Flux gathers them: the data keys of each
 * `substituteFrom` ConfigMap or Secret in order (a later one wins), then `substitute` (wins
 * over all). Values lose their newlines, names must be shell variable names. The objects
 * are read in the StageSet's namespace as the stage's identity (`SourceClient`,
 * semantics.md section 9), like its source.
 */
import { Effect, Predicate } from "effect"
import type { PostBuild } from "../../schemas/StageSet.ts"
import { describeKey } from "../kube/describeKey.ts"
import type { KubeError } from "../kube/KubeError.ts"
import type { KubeObject } from "../kube/KubeObject.ts"
import { SourceClient } from "../kube/SourceClient.ts"
import { BuildFailed } from "../render/BuildFailed.ts"
import { InvalidSpec } from "./errors/InvalidSpec.ts"
import { SourceNotReady } from "./errors/sourceErrors.ts"

/** Flux's rule for variable names (ASCII letters, digits and `_`, not starting with a digit). */
export const VARIABLE_NAME = /^[_A-Za-z][_A-Za-z0-9]*$/

export interface PostBuildVariables {
  readonly values: ReadonlyMap<string, string>
  /** Values that came from Secrets: they must never show in a message. */
  readonly secret: ReadonlyArray<string>
}

/** Whether Flux would substitute at all: only with a variable or an object to read them from. */
export const substitutes = (postBuild: PostBuild | undefined): postBuild is PostBuild =>
  postBuild !== undefined &&
  (Object.keys(postBuild.substitute ?? {}).length > 0 ||
    (postBuild.substituteFrom ?? []).length > 0)

const flatten = (value: string): string => value.replaceAll("\n", "")

/** `data` of a ConfigMap (strings) or a Secret (base64), decoded. */
const dataOf = (
  kind: string,
  object: Readonly<Record<string, unknown>>,
): Array<[string, string]> => {
  const data = object.data
  if (!Predicate.isRecord(data)) return []
  return Object.entries(data).flatMap(([key, value]): Array<[string, string]> => {
    if (typeof value !== "string") return []
    return [[key, kind === "Secret" ? Buffer.from(value, "base64").toString("utf8") : value]]
  })
}

export const postBuildVariables = (
  namespace: string,
  stage: { readonly name: string; readonly postBuild: PostBuild },
  position: number,
): Effect.Effect<
  PostBuildVariables,
  SourceNotReady | BuildFailed | InvalidSpec | KubeError,
  SourceClient
> =>
  Effect.gen(function* () {
    const kube = yield* SourceClient
    const field = `spec.stages[${position}].postBuild`
    const values = new Map<string, string>()
    const secret: Array<string> = []
    for (const [i, ref] of (stage.postBuild.substituteFrom ?? []).entries()) {
      const key = { apiVersion: "v1", kind: ref.kind, namespace, name: ref.name }
      const object = yield* kube.get(key).pipe(
        Effect.map((found): KubeObject | undefined => found),
        Effect.catchTag("KubeNotFound", () =>
          ref.optional
            ? Effect.succeed(undefined)
            : Effect.fail(
                new SourceNotReady({
                  kind: ref.kind,
                  namespace,
                  name: ref.name,
                  message: `${describeKey(key)} (${field}.substituteFrom[${i}]) not found`,
                }),
              ),
        ),
      )
      if (object === undefined) continue
      for (const [name, value] of dataOf(ref.kind, object)) {
        if (!VARIABLE_NAME.test(name))
          return yield* new BuildFailed({
            file: describeKey(key),
            index: undefined,
            message: `${describeKey(key)} (${field}.substituteFrom[${i}]): key ${JSON.stringify(name)} is not a variable name (letters, digits and _, not starting with a digit)`,
          })
        values.set(name, flatten(value))
        if (ref.kind === "Secret") secret.push(flatten(value))
      }
    }
    for (const [name, value] of Object.entries(stage.postBuild.substitute ?? {})) {
      if (!VARIABLE_NAME.test(name))
        return yield* new InvalidSpec({
          message: `${field}.substitute: ${JSON.stringify(name)} is not a variable name (letters, digits and _, not starting with a digit)`,
        })
      values.set(name, flatten(value))
    }
    return { values, secret }
  })
