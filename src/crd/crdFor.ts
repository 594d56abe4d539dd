import { JSONSchema, type Schema } from "effect"
import { type StructuralSchema, toStructural } from "./toStructural.ts"

/** One `kubectl get` column. */
export interface PrinterColumn {
  readonly name: string
  readonly type: "string" | "integer" | "number" | "boolean" | "date"
  readonly jsonPath: string
  readonly description: string
  /** 0 shows in the default table, higher only with `-o wide`. */
  readonly priority?: number
}

/** What distinguishes one of our CRDs; everything else is shared policy. */
export interface CrdDefinition {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly plural: string
  readonly singular: string
  readonly shortNames: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  /** The Effect Schema of the whole object; its encoded side becomes the openAPI schema. */
  readonly schema: Schema.Schema.AnyNoContext
  readonly statusSubresource: boolean
  readonly printerColumns: ReadonlyArray<PrinterColumn>
  readonly labels?: Readonly<Record<string, string>>
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition as plain JSON. */
export interface CustomResourceDefinition {
  readonly apiVersion: "apiextensions.k8s.io/v1"
  readonly kind: "CustomResourceDefinition"
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> }
  readonly spec: {
    readonly group: string
    readonly names: {
      readonly kind: string
      readonly listKind: string
      readonly plural: string
      readonly singular: string
      readonly shortNames: ReadonlyArray<string>
      readonly categories: ReadonlyArray<string>
    }
    readonly scope: "Namespaced"
    readonly versions: ReadonlyArray<{
      readonly name: string
      readonly served: boolean
      readonly storage: boolean
      readonly schema: { readonly openAPIV3Schema: StructuralSchema }
      readonly subresources?: { readonly status: Record<string, never> }
      readonly additionalPrinterColumns: ReadonlyArray<PrinterColumn>
    }>
  }
}

// The API server sets and validates these itself; a schema of ours there would
// only risk rejecting what it accepts (metadata is always just `type: object`
// in a CRD, and an enum on apiVersion would break a future second version).
const serverOwned: Readonly<Record<string, StructuralSchema>> = {
  apiVersion: {
    description: "Versioned schema of this representation of the object.",
    type: "string",
  },
  kind: { description: "REST resource this object represents.", type: "string" },
  metadata: { type: "object" },
}

/** The structural openAPI v3 schema a CRD version carries for `schema`. */
export const openApiSchemaFor = (schema: Schema.Schema.AnyNoContext): StructuralSchema => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const generated = JSONSchema.fromAST(schema.ast, {
    definitions,
    target: "openApi3.1",
    topLevelReferenceStrategy: "skip",
  })
  const root = toStructural(generated, definitions)
  const properties = (root.properties ?? {}) as Readonly<Record<string, StructuralSchema>>
  const required = (root.required ?? []) as ReadonlyArray<string>
  const rootRequired = required.filter((name) => !(name in serverOwned))
  const { required: _, properties: __, ...rest } = root
  return {
    ...rest,
    ...(rootRequired.length > 0 ? { required: rootRequired } : {}),
    properties: Object.fromEntries(
      Object.entries(properties).map(([name, value]) => [name, serverOwned[name] ?? value]),
    ),
  }
}

/** Builds the CRD for one kind: namespaced, one served and stored version. */
export const crdFor = (definition: CrdDefinition): CustomResourceDefinition => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: {
    name: `${definition.plural}.${definition.group}`,
    ...(definition.labels === undefined ? {} : { labels: definition.labels }),
  },
  spec: {
    group: definition.group,
    names: {
      kind: definition.kind,
      listKind: `${definition.kind}List`,
      plural: definition.plural,
      singular: definition.singular,
      shortNames: definition.shortNames,
      categories: definition.categories,
    },
    scope: "Namespaced",
    versions: [
      {
        name: definition.version,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: openApiSchemaFor(definition.schema) },
        ...(definition.statusSubresource ? { subresources: { status: {} } } : {}),
        additionalPrinterColumns: definition.printerColumns,
      },
    ],
  },
})
