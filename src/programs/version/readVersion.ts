import { Either, Predicate } from "effect"
import { JSONPath } from "jsonpath-plus"
import type { VersionSource } from "../../../schemas/StageSet.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import type { ManifestFile } from "../../render/ManifestFile.ts"
import { normaliseArtifactPath } from "../../render/selectManifestFiles.ts"
import { InvalidSpec } from "../errors/InvalidSpec.ts"
import { InvalidVersion } from "../errors/versionErrors.ts"

/** Where `fromObject` reads the version without a `fieldPath`: Kubernetes' recommended label. */
export const VERSION_LABEL = "app.kubernetes.io/version"

export type ObjectVersionRef = NonNullable<VersionSource["fromObject"]>

/**
 * A kubectl JSONPath template holding one expression (`{.spec.template.metadata.labels.x}`)
 * as the JSONPath library writes it (`$.spec...`). kubectl escapes a dot inside a field name
 * (`{.metadata.labels.app\.kubernetes\.io/version}`); such a name becomes a bracketed one.
 * Undefined for anything that is not one braced expression.
 */
export const jsonPathOf = (fieldPath: string): string | undefined => {
  const braced = /^\{(.+)\}$/s.exec(fieldPath.trim())
  const expression = braced?.[1]?.trim()
  if (expression === undefined || !/^[.$[]/.test(expression)) return undefined
  const rooted = expression.startsWith("$") ? expression : `$${expression}`
  return rooted.replace(/\.((?:\\\.|[^.[\]\\])+)/g, (segment, name: string) =>
    name.includes("\\.") ? `['${name.replaceAll("\\.", ".").replaceAll("'", "\\'")}']` : segment,
  )
}

/** The value at `fieldPath` of `object`: one string (or number), as kubectl would print it. */
const readField = (
  object: KubeObject,
  fieldPath: string,
  described: string,
): Either.Either<string, InvalidSpec | InvalidVersion> => {
  const path = jsonPathOf(fieldPath)
  const refused = new InvalidSpec({
    message: `spec.version.fromObject.fieldPath: "${fieldPath}" is not a kubectl JSONPath expression such as {.spec.template.metadata.labels.version}`,
  })
  if (path === undefined) return Either.left(refused)
  let found: unknown
  try {
    // "safe": filter expressions run in the library's sandbox, never as JavaScript.
    found = JSONPath({ path, json: object, wrap: true, eval: "safe" })
  } catch {
    return Either.left(refused)
  }
  const values = Array.isArray(found) ? found : []
  const [only] = values
  if (values.length === 1 && (typeof only === "string" || typeof only === "number"))
    return Either.right(String(only))
  return Either.left(
    new InvalidVersion({
      message:
        values.length === 0
          ? `fieldPath ${fieldPath} matches nothing on ${described}`
          : `fieldPath ${fieldPath} on ${described} does not resolve to one string`,
    }),
  )
}

/**
 * The version `ref` names in a stage's rendered objects: the first object of its kind and
 * name (and apiVersion, when set), its `app.kubernetes.io/version` label or `fieldPath`.
 */
export const versionFromObject = (
  objects: ReadonlyArray<KubeObject>,
  ref: ObjectVersionRef,
  stage: string,
): Either.Either<string, InvalidSpec | InvalidVersion> => {
  const object = objects.find(
    (o) =>
      o.kind === ref.kind &&
      o.metadata.name === ref.name &&
      (ref.apiVersion === undefined || o.apiVersion === ref.apiVersion),
  )
  const described = `${ref.kind} ${ref.name} in stage ${stage}`
  if (object === undefined)
    return Either.left(
      new InvalidVersion({ message: `version object ${described} is not rendered` }),
    )
  if (ref.fieldPath !== undefined) return readField(object, ref.fieldPath, described)
  const label = object.metadata.labels?.[VERSION_LABEL]
  return Predicate.isString(label)
    ? Either.right(label)
    : Either.left(
        new InvalidVersion({
          message: `${described} has no ${VERSION_LABEL} label; set spec.version.fromObject.fieldPath to read another field`,
        }),
      )
}

/** The content of the version file at `path` from the root of a stage's source. */
export const versionFromFile = (
  files: ReadonlyArray<ManifestFile>,
  path: string,
  stage: string,
): Either.Either<string, InvalidVersion> => {
  const normalised = Either.getOrUndefined(normaliseArtifactPath(path))
  const file = files.find((f) => f.path === normalised)
  return file === undefined
    ? Either.left(
        new InvalidVersion({
          message: `version file ${path} not found in the source of stage ${stage}`,
        }),
      )
    : Either.right(file.content)
}
