/**
 * Post-build substitution over rendered objects, as Flux does it after the kustomize build
 * and the patches: each object is substituted as YAML text, so `replicas: ${REPLICAS}`
 * with `REPLICAS: "3"` becomes the number 3, while a quoted `"${TAG}"` stays a string.
 * Here every string of the object (keys included) is substituted as its own YAML scalar,
 * which gives the same result and lets an error name the field. Objects labelled or
 * annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone. Pure.
 *
 * Messages name variables, fields and objects, never a value: values may come from
 * Secrets.
 */
import { Either, Predicate } from "effect"
import { isCollection, parseDocument, stringify } from "yaml"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { type BuildFailed, buildFailed } from "../BuildFailed.ts"
import { checkObject, type RenderedObject, yaml11Octal } from "../parseManifests.ts"
import { substitute } from "./envsubst.ts"

/** Flux's opt-out, as a label or an annotation with the value `disabled`. */
export const SUBSTITUTE_OPT_OUT = "kustomize.toolkit.fluxcd.io/substitute"

class FieldProblem {
  readonly field: string
  readonly problem: string
  constructor(field: string, problem: string) {
    this.field = field
    this.problem = problem
  }
}

const optedOut = (object: KubeObject): boolean =>
  object.metadata.labels?.[SUBSTITUTE_OPT_OUT] === "disabled" ||
  object.metadata.annotations?.[SUBSTITUTE_OPT_OUT] === "disabled"

const child = (path: string, key: string | number): string =>
  typeof key === "number"
    ? `${path}[${key}]`
    : /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
      ? path === ""
        ? key
        : `${path}.${key}`
      : `${path}[${JSON.stringify(key)}]`

/** One string as the YAML scalar it is written as, substituted, and read back. */
const substituteScalar = (
  text: string,
  field: string,
  lookup: (name: string) => string | undefined,
): unknown => {
  if (!text.includes("$")) return text
  const written = stringify(text, { lineWidth: 0 })
  const result = substitute(written, lookup)
  if (Either.isLeft(result)) {
    const error = result.left
    throw new FieldProblem(
      field,
      error._tag === "Undefined"
        ? `variable ${error.name} is not defined (define it in postBuild.substitute or a postBuild.substituteFrom ConfigMap or Secret, or give a default: \${${error.name}:=value})`
        : `bad \${...} expression: ${error.message} (write $\${ for a literal \${)`,
    )
  }
  const document = parseDocument(result.right, {
    prettyErrors: false,
    customTags: (tags) => [yaml11Octal, ...tags],
  })
  // A value that is not one scalar (or a flow list/map) after substitution would break the
  // object's YAML where Flux substitutes the whole text.
  const contents = document.contents
  if (
    document.errors.length > 0 ||
    (isCollection(contents) && contents.flow !== true) ||
    document.warnings.length > 0
  )
    throw new FieldProblem(
      field,
      "the substituted value is not valid YAML in this place (quote the field if it holds text)",
    )
  return document.toJS({ maxAliasCount: 100 })
}

const substituteValue = (
  value: unknown,
  field: string,
  lookup: (name: string) => string | undefined,
): unknown => {
  if (typeof value === "string") return substituteScalar(value, field, lookup)
  if (Array.isArray(value)) return value.map((v, i) => substituteValue(v, child(field, i), lookup))
  if (Predicate.isRecord(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(value)) {
      const newKey = substituteScalar(key, child(field, key), lookup)
      out[String(newKey)] = substituteValue(entry, child(field, key), lookup)
    }
    return out
  }
  return value
}

const describe = (object: KubeObject): string =>
  `${object.kind} ${object.metadata.namespace === undefined ? "" : `${object.metadata.namespace}/`}${object.metadata.name}`

/**
 * `objects` with `${...}` expanded from `variables`. The first problem fails the whole
 * render, naming the object, its source and the field.
 */
export const substituteObjects = (
  objects: ReadonlyArray<RenderedObject>,
  variables: ReadonlyMap<string, string>,
): Either.Either<ReadonlyArray<RenderedObject>, BuildFailed> => {
  const lookup = (name: string) => variables.get(name)
  const out: Array<RenderedObject> = []
  for (const rendered of objects) {
    if (optedOut(rendered.object)) {
      out.push(rendered)
      continue
    }
    try {
      const object = substituteValue(rendered.object, "", lookup)
      const problem = checkObject(object)
      if (problem !== undefined)
        return Either.left(
          buildFailed(
            rendered.source,
            `after postBuild substitution, ${describe(rendered.object)} is no object to apply: ${problem}`,
          ),
        )
      out.push({ ...rendered, object: object as KubeObject })
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error
      return Either.left(
        buildFailed(
          rendered.source,
          `postBuild substitution in ${describe(rendered.object)}, field ${error.field}: ${error.problem}`,
        ),
      )
    }
  }
  return Either.right(out)
}
