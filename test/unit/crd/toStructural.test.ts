import { describe, expect, it } from "@effect/vitest"
import { JSONSchema, Schema } from "effect"
import { toStructural } from "../../../src/crd/toStructural.ts"

const fromSchema = (schema: Schema.Schema.AnyNoContext) => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const generated = JSONSchema.fromAST(schema.ast, {
    definitions,
    target: "openApi3.1",
    topLevelReferenceStrategy: "skip",
  })
  return toStructural(generated, definitions)
}

describe("toStructural", () => {
  it("inlines references, keeping the referencing field's description", () => {
    const Ref = Schema.Struct({ name: Schema.String }).annotations({
      identifier: "Ref",
      description: "A reference.",
    })
    const out = fromSchema(
      Schema.Struct({
        first: Ref.annotations({ description: "The first one." }),
        second: Ref,
      }),
    )
    expect(JSON.stringify(out)).not.toContain("$ref")
    expect(out).toEqual({
      type: "object",
      required: ["first", "second"],
      properties: {
        first: {
          description: "The first one.",
          type: "object",
          required: ["name"],
          properties: { name: { type: "string" } },
        },
        second: {
          description: "A reference.",
          type: "object",
          required: ["name"],
          properties: { name: { type: "string" } },
        },
      },
    })
  })

  it("folds a nullable union into nullable: true", () => {
    const out = fromSchema(Schema.Struct({ n: Schema.NullOr(Schema.Int) }))
    expect(out.properties).toMatchObject({ n: { type: "integer", nullable: true } })
    expect(JSON.stringify(out)).not.toContain('"type":"null"')
  })

  it("turns a union of string literals into one string enum", () => {
    const out = fromSchema(
      Schema.Struct({ a: Schema.Union(Schema.Literal("x"), Schema.Literal("y", "z")) }),
    )
    expect(out.properties).toEqual({ a: { type: "string", enum: ["x", "y", "z"] } })
  })

  it("marks an int-or-string union for Kubernetes", () => {
    const out = fromSchema(Schema.Struct({ port: Schema.Union(Schema.Int, Schema.String) }))
    expect(out.properties).toEqual({ port: { "x-kubernetes-int-or-string": true } })
  })

  it("gives a map its value schema and drops the empty property list", () => {
    const out = fromSchema(
      Schema.Struct({ labels: Schema.Record({ key: Schema.String, value: Schema.String }) }),
    )
    expect(out.properties).toEqual({
      labels: { type: "object", additionalProperties: { type: "string" } },
    })
  })

  it("keeps unknown content with preserve-unknown-fields", () => {
    const out = fromSchema(Schema.Struct({ raw: Schema.Unknown, obj: Schema.Object }))
    expect(out.properties).toMatchObject({
      raw: { "x-kubernetes-preserve-unknown-fields": true },
      obj: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    })
    expect(out.properties).not.toHaveProperty("raw.type")
  })

  it("writes exclusive bounds the OpenAPI v3.0 way", () => {
    const out = fromSchema(Schema.Struct({ n: Schema.Int.pipe(Schema.positive()) }))
    expect(out.properties).toMatchObject({
      n: { type: "integer", minimum: 0, exclusiveMinimum: true },
    })
  })

  it("keeps a second pattern as a bare allOf validation", () => {
    const out = fromSchema(
      Schema.Struct({ s: Schema.String.pipe(Schema.pattern(/^a/), Schema.pattern(/b$/)) }),
    )
    expect(out.properties).toMatchObject({
      s: { type: "string", pattern: "b$", allOf: [{ pattern: "^a" }] },
    })
  })

  it("turns a single-item tuple into items and a uniqueItems scalar list into a set", () => {
    expect(toStructural({ type: "array", items: [{ type: "string" }] })).toEqual({
      type: "array",
      items: { type: "string" },
    })
    expect(toStructural({ type: "array", uniqueItems: true, items: { type: "string" } })).toEqual({
      type: "array",
      items: { type: "string" },
      "x-kubernetes-list-type": "set",
    })
  })

  it("infers a missing type and folds a type list with null", () => {
    expect(
      toStructural({ properties: { a: { enum: [1, 2] }, b: { type: ["string", "null"] } } }),
    ).toEqual({
      type: "object",
      properties: {
        a: { type: "integer", enum: [1, 2] },
        b: { type: "string", nullable: true },
      },
    })
  })

  it("refuses what has no structural form, naming the field", () => {
    expect(() =>
      fromSchema(
        Schema.Struct({ spec: Schema.Struct({ t: Schema.Tuple(Schema.String, Schema.Int) }) }),
      ),
    ).toThrow(/spec\.t: tuples have no structural form/)
    expect(() =>
      fromSchema(
        Schema.Struct({
          choice: Schema.Union(
            Schema.Struct({ a: Schema.String }),
            Schema.Struct({ b: Schema.Int }),
          ),
        }),
      ),
    ).toThrow(/choice: anyOf of object has no structural form/)
    expect(() => toStructural({ type: "string", contentMediaType: "text/plain" })).toThrow(
      /keyword contentMediaType is not supported/,
    )
    expect(() =>
      toStructural({
        type: "object",
        properties: { a: { type: "string" } },
        additionalProperties: { type: "string" },
      }),
    ).toThrow(/properties together with an additionalProperties schema/)
  })

  it("refuses recursive schemas, which a CRD cannot express", () => {
    const definitions = {
      Tree: { type: "object", properties: { child: { $ref: "#/$defs/Tree" } } },
    }
    expect(() => toStructural({ $ref: "#/$defs/Tree" }, definitions)).toThrow(/recursive reference/)
  })
})
