/**
 * Rewrites the JSON Schema Effect generates into a Kubernetes structural
 * schema, the only kind an apiextensions.k8s.io/v1 CRD accepts: every node
 * typed, no references, no unions beyond what Kubernetes can express, and only
 * keywords JSONSchemaProps knows (the API server drops or rejects the rest).
 * Anything that cannot be expressed throws with the node's path, so a schema
 * change that would produce an invalid CRD fails `npm run generate`, not a
 * cluster install.
 */

import { Predicate } from "effect"
import { allowedKeys, annotationKeys, droppedKeys, sortKeys } from "./structuralKeywords.ts"

type Node = { [key: string]: unknown }

/** A structural OpenAPI v3 schema node as a CRD carries it. */
export type StructuralSchema = { readonly [key: string]: unknown }

const isNode = (value: unknown): value is Node => Predicate.isRecord(value)

class Rewriter {
  readonly definitions: Readonly<Record<string, unknown>>
  // References being expanded on the current path from the root: meeting one
  // again means the schema recurses.
  readonly active = new Set<string>()

  constructor(definitions: Readonly<Record<string, unknown>>) {
    this.definitions = definitions
  }

  fail(path: string, why: string): never {
    throw new Error(`toStructural: ${path || "<root>"}: ${why}`)
  }

  /** Inlines `$ref` (CRDs cannot reference) and single-schema `allOf` wrappers. */
  inline(node: Node, path: string, resolved: Array<string>): Node {
    let out: Node = { ...node }
    const ref = out.$ref
    if (typeof ref === "string") {
      delete out.$ref
      const name = decodeURIComponent(ref.replace(/^.*\//, ""))
        .replace(/~1/g, "/")
        .replace(/~0/g, "~")
      const target = this.definitions[name]
      if (!isNode(target)) this.fail(path, `unresolved reference ${ref}`)
      if (this.active.has(name) || resolved.includes(name)) {
        this.fail(path, `recursive reference ${ref} (CRDs cannot recurse)`)
      }
      resolved.push(name)
      // The referencing node's own keys (a description) win over the definition's.
      out = { ...this.inline(target, path, resolved), ...out }
    }
    if (Array.isArray(out.allOf)) {
      const rest: Array<Node> = []
      for (const member of out.allOf) {
        if (!isNode(member)) this.fail(path, "allOf member is not a schema")
        const inlined = this.inline(member, path, resolved)
        // Annotations of the wrapper (a field's description) win over the
        // referenced schema's; only clashing validations stay in allOf.
        const conflicts = Object.keys(inlined).some(
          (key) =>
            key in out &&
            !annotationKeys.has(key) &&
            key !== "allOf" &&
            !sameJson(out[key], inlined[key]),
        )
        if (conflicts) rest.push(inlined)
        else out = { ...inlined, ...out }
      }
      if (rest.length > 0) out.allOf = rest
      else delete out.allOf
    }
    return out
  }

  /** Folds `anyOf`/`oneOf` into what Kubernetes can express. */
  foldUnion(node: Node, path: string, resolved: Array<string>): Node {
    const key = Array.isArray(node.anyOf)
      ? "anyOf"
      : Array.isArray(node.oneOf)
        ? "oneOf"
        : undefined
    if (key === undefined) return node
    const { [key]: rawMembers, ...rest } = node
    const members = (rawMembers as Array<unknown>).map((member) => {
      if (!isNode(member)) this.fail(path, `${key} member is not a schema`)
      return this.prepare(member, path, resolved)
    })
    const nonNull = members.filter((member) => member.type !== "null")
    const out: Node = { ...rest }
    if (nonNull.length < members.length) out.nullable = true
    if (nonNull.length === 0) this.fail(path, "a union of only null has no Kubernetes type")
    if (nonNull.length === 1) return { ...nonNull[0], ...out }
    if (nonNull.every((member) => member.type === "string" && Array.isArray(member.enum))) {
      const values = nonNull.flatMap((member) => member.enum as Array<unknown>)
      return { ...out, type: "string", enum: [...new Set(values)] }
    }
    const types = new Set(nonNull.map((member) => member.type))
    const numeric = types.has("integer") || types.has("number")
    if (types.size === 2 && types.has("string") && numeric) {
      return { ...out, "x-kubernetes-int-or-string": true }
    }
    return this.fail(path, `${key} of ${[...types].join(", ")} has no structural form`)
  }

  /** Normalizes one node's own keywords, before its children are visited. */
  prepare(node: Node, path: string, resolved: Array<string>): Node {
    let out = this.inline(node, path, resolved)
    switch (out.$id) {
      case "/schemas/unknown":
      case "/schemas/any":
      case "/schemas/void":
        out = { ...out, "x-kubernetes-preserve-unknown-fields": true }
        delete out.anyOf
        break
      case "/schemas/object":
      case "/schemas/%7B%7D":
        out = { ...out, type: "object", "x-kubernetes-preserve-unknown-fields": true }
        delete out.anyOf
        break
      case "/schemas/never":
        this.fail(path, "a field that can never hold a value has no structural form")
    }
    for (const key of droppedKeys) delete out[key]
    if ("const" in out) {
      out.enum = [out.const]
      delete out.const
    }
    if (Array.isArray(out.type)) {
      const types = out.type.filter((type) => type !== "null")
      if (types.length < out.type.length) out.nullable = true
      if (types.length !== 1) this.fail(path, `type ${JSON.stringify(out.type)} is not structural`)
      out.type = types[0]
    }
    return this.foldUnion(out, path, resolved)
  }

  rewrite(node: Node, path: string): Node {
    const resolved: Array<string> = []
    const out = this.prepare(node, path, resolved)
    for (const name of resolved) this.active.add(name)
    try {
      return this.rewriteChildren(out, path)
    } finally {
      for (const name of resolved) this.active.delete(name)
    }
  }

  rewriteChildren(out: Node, path: string): Node {
    // JSON Schema 2019+ numeric exclusive bounds -> OpenAPI v3.0 boolean flags.
    for (const [exclusive, bound] of [
      ["exclusiveMinimum", "minimum"],
      ["exclusiveMaximum", "maximum"],
    ] as const) {
      if (typeof out[exclusive] === "number") {
        out[bound] = out[exclusive]
        out[exclusive] = true
      }
    }
    this.rewriteArray(out, path)
    this.rewriteObject(out, path)
    if (Array.isArray(out.allOf)) {
      // What survives in allOf are extra value validations (a second pattern);
      // structural rules forbid descriptions and types inside it.
      out.allOf = out.allOf.map((member: Node) => {
        const { description: _d, type: _t, default: _x, nullable: _n, ...validation } = member
        return validation
      })
    }
    if (out.type === undefined) {
      const inferred = inferType(out)
      if (inferred !== undefined) out.type = inferred
    }
    const structural =
      out["x-kubernetes-int-or-string"] === true ||
      out["x-kubernetes-preserve-unknown-fields"] === true
    if (out.type === undefined && !structural) this.fail(path, "no type can be given to this node")
    if (out.type === "null") this.fail(path, "type null is not structural")
    for (const key of Object.keys(out)) {
      if (!allowedKeys.has(key) && !key.startsWith("x-kubernetes-")) {
        this.fail(path, `keyword ${key} is not supported in a CRD schema`)
      }
    }
    return sortKeys(out)
  }

  rewriteArray(out: Node, path: string): void {
    if (Array.isArray(out.prefixItems) || Array.isArray(out.items)) {
      const tuple = (out.prefixItems ?? out.items) as Array<unknown>
      if (tuple.length !== 1 || out.items === false) {
        this.fail(path, "tuples have no structural form; use an array of one item schema")
      }
      out.items = tuple[0]
      delete out.prefixItems
    }
    if (out.items === false) delete out.items
    delete out.additionalItems
    if (isNode(out.items)) out.items = this.rewrite(out.items, `${path}[]`)
    if (out.uniqueItems === true) {
      // The Kubernetes way to say "no duplicates" for scalars is a set list.
      const scalar = isNode(out.items) && out.items.type !== "object" && out.items.type !== "array"
      if (scalar && out["x-kubernetes-list-type"] === undefined)
        out["x-kubernetes-list-type"] = "set"
    }
    delete out.uniqueItems
  }

  rewriteObject(out: Node, path: string): void {
    delete out.propertyNames
    const patterns = out.patternProperties
    delete out.patternProperties
    if (isNode(patterns)) {
      const schemas = Object.values(patterns)
      if (schemas.length !== 1) this.fail(path, "several patternProperties have no structural form")
      out.additionalProperties = schemas[0]
    }
    const properties = isNode(out.properties) ? out.properties : {}
    const names = Object.keys(properties)
    if (names.length > 0) {
      out.properties = Object.fromEntries(
        names.map((name) => [name, this.rewrite(properties[name] as Node, join(path, name))]),
      )
      // Kubernetes prunes unknown fields itself; a schema for extra keys cannot
      // sit next to named properties.
      if (isNode(out.additionalProperties)) {
        this.fail(path, "properties together with an additionalProperties schema")
      }
      delete out.additionalProperties
    } else {
      delete out.properties
      if (out.additionalProperties === true) {
        out["x-kubernetes-preserve-unknown-fields"] = true
        delete out.additionalProperties
      } else if (out.additionalProperties === false) {
        delete out.additionalProperties
      } else if (isNode(out.additionalProperties)) {
        out.additionalProperties = this.rewrite(out.additionalProperties, `${path}{}`)
      }
    }
    if (Array.isArray(out.required) && out.required.length === 0) delete out.required
  }
}

const join = (path: string, name: string) => (path === "" ? name : `${path}.${name}`)

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

const inferType = (node: Node): string | undefined => {
  if ("properties" in node || "additionalProperties" in node) return "object"
  if ("items" in node) return "array"
  if (Array.isArray(node.enum) && node.enum.length > 0) {
    const kinds = new Set(node.enum.map((value) => typeof value))
    if (kinds.size === 1) {
      const [kind] = kinds
      if (kind === "string" || kind === "boolean") return kind
      if (kind === "number") return node.enum.every(Number.isInteger) ? "integer" : "number"
    }
  }
  if ("pattern" in node || "minLength" in node || "maxLength" in node) return "string"
  if ("minItems" in node || "maxItems" in node) return "array"
  return undefined
}

/**
 * Makes a JSON Schema from `JSONSchema.fromAST` structural. `definitions` is the
 * record passed to fromAST: references into it are inlined.
 */
export const toStructural = (
  schema: object,
  definitions: Readonly<Record<string, unknown>> = {},
): StructuralSchema => new Rewriter(definitions).rewrite({ ...schema }, "")
