import { fileURLToPath } from "node:url"
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { allCrds } from "../../../src/crd/allCrds.ts"
import { crdDirectory, crdFiles } from "../../../src/crd/crdFiles.ts"

const root = fileURLToPath(new URL("../../../", import.meta.url))

type Node = { readonly [key: string]: unknown }
const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// Keywords a structural schema may not contain anywhere (or that JSONSchemaProps
// does not know, so the API server would drop them or refuse the CRD).
const forbidden = [
  "$ref",
  "$defs",
  "$schema",
  "$id",
  "$comment",
  "definitions",
  "uniqueItems",
  "patternProperties",
  "propertyNames",
  "prefixItems",
  "const",
  "examples",
  "anyOf",
  "oneOf",
  "not",
]

/** Every rule violation in one openAPIV3Schema, as `path: problem`. */
const structuralViolations = (schema: Node): Array<string> => {
  const problems: Array<string> = []
  const visit = (node: Node, path: string) => {
    const untyped =
      node["x-kubernetes-int-or-string"] === true ||
      node["x-kubernetes-preserve-unknown-fields"] === true
    if (typeof node.type !== "string" && !untyped) problems.push(`${path}: no type`)
    if (node.type === "null") problems.push(`${path}: type null`)
    for (const key of forbidden) if (key in node) problems.push(`${path}: ${key}`)
    if ("properties" in node && "additionalProperties" in node) {
      problems.push(`${path}: properties with additionalProperties`)
    }
    if (Array.isArray(node.items)) problems.push(`${path}: items is an array`)
    if (Array.isArray(node.required) && node.required.length === 0) {
      problems.push(`${path}: empty required`)
    }
    if (node["x-kubernetes-list-type"] === "map") {
      const item = node.items as Node
      const required = (item.required ?? []) as Array<string>
      for (const key of node["x-kubernetes-list-map-keys"] as Array<string>) {
        if (!required.includes(key)) problems.push(`${path}: list-map key ${key} not required`)
      }
    }
    if (Array.isArray(node.allOf)) {
      for (const member of node.allOf as Array<Node>) {
        for (const key of ["type", "description", "default", "nullable", "properties", "items"]) {
          if (key in member) problems.push(`${path}: ${key} inside allOf`)
        }
      }
    }
    if (isNode(node.properties)) {
      for (const [name, child] of Object.entries(node.properties)) {
        visit(child as Node, `${path}.${name}`)
      }
    }
    if (isNode(node.additionalProperties)) visit(node.additionalProperties, `${path}{}`)
    if (isNode(node.items)) visit(node.items, `${path}[]`)
  }
  visit(schema, "")
  return problems
}

const openApi = (kind: string): Node => {
  const crd = allCrds().find((candidate) => candidate.spec.names.kind === kind)
  if (crd === undefined) throw new Error(`no CRD for ${kind}`)
  return crd.spec.versions[0]!.schema.openAPIV3Schema
}

const at = (schema: Node, ...path: Array<string>): Node =>
  path.reduce<Node>((node, name) => {
    if (name === "[]") return node.items as Node
    return (node.properties as Record<string, Node>)[name] as Node
  }, schema)

describe("generated CRDs", () => {
  it.effect("match the committed manifests (run npm run generate if this fails)", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const expected = crdFiles()
      const committed = (yield* fs.readDirectory(`${root}${crdDirectory}`)).filter((name) =>
        name.endsWith(".yaml"),
      )
      expect(
        committed.sort(),
        "manifests/crds holds other files than the schemas produce: run npm run generate",
      ).toEqual(expected.map((file) => file.path.slice(crdDirectory.length + 1)).sort())
      for (const file of expected) {
        const onDisk = yield* fs.readFileString(`${root}${file.path}`)
        expect(onDisk, `${file.path} is stale: run npm run generate`).toBe(file.content)
      }
    }).pipe(Effect.provide(NodeContext.layer)),
  )

  it("are structural: every node typed, no references, unions or forbidden keywords", () => {
    for (const crd of allCrds()) {
      const schema = crd.spec.versions[0]!.schema.openAPIV3Schema
      expect(structuralViolations(schema), crd.metadata.name).toEqual([])
    }
  })

  it("leave apiVersion, kind and metadata to the API server", () => {
    for (const kind of ["StageSet", "StageInventory"]) {
      const schema = openApi(kind)
      expect(at(schema, "metadata")).toEqual({ type: "object" })
      expect(at(schema, "apiVersion")).not.toHaveProperty("enum")
      expect(schema.required).toEqual(["spec"])
    }
  })

  it("let the API server reject duplicate stage names and bad counts", () => {
    const stages = at(openApi("StageSet"), "spec", "stages")
    // At least one stage and no upper bound, as in the Go implementation.
    expect(stages.maxItems).toBeUndefined()
    expect(stages).toMatchObject({
      minItems: 1,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    })
    expect(at(stages, "[]", "name")).toMatchObject({
      maxLength: 63,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    })
    const status = at(openApi("StageSet"), "status")
    expect(at(status, "conditions")["x-kubernetes-list-map-keys"]).toEqual(["type"])
    expect(at(status, "stages")["x-kubernetes-list-map-keys"]).toEqual(["name"])
  })

  it("carry the documented defaults, enums and duration patterns", () => {
    const spec = at(openApi("StageSet"), "spec")
    const stage = at(spec, "stages", "[]")
    expect(at(spec, "suspend").default).toBe(false)
    expect(at(stage, "prune").default).toBe(true)
    expect(at(stage, "force").default).toBe(false)
    expect(at(stage, "conflictPolicy", "default")).toMatchObject({
      default: "Fail",
      enum: ["Fail", "Recreate", "KeepExisting"],
    })
    expect(at(stage, "readyChecks", "disableWait").default).toBe(false)
    // Any kind: a producer kind is resolved to the ExternalArtifact that names it.
    expect(at(stage, "sourceRef", "kind")).toMatchObject({ default: "ExternalArtifact" })
    expect(at(stage, "sourceRef", "kind").enum).toBeUndefined()
    const duration = new RegExp(at(spec, "interval").pattern as string)
    expect(
      ["10m", "1h30m", "90s", "1m30s", "500ms", "250us", "250µs", "10ns", "0"].every((d) =>
        duration.test(d),
      ),
    ).toBe(true)
    expect(duration.test("10 minutes")).toBe(false)
  })

  it("describe every field, since kubectl explain shows the descriptions", () => {
    const undescribed: Array<string> = []
    const visit = (node: Node, path: string) => {
      for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
        if (name !== "metadata" && typeof child.description !== "string") {
          undescribed.push(`${path}.${name}`)
        }
        visit(child, `${path}.${name}`)
        if (isNode(child.items)) visit(child.items, `${path}.${name}[]`)
      }
    }
    for (const kind of ["StageSet", "StageInventory"]) visit(openApi(kind), kind)
    expect(undescribed).toEqual([])
  })

  it("give StageSet a status subresource and StageInventory none", () => {
    const [stageSet, stageInventory] = allCrds()
    expect(stageSet?.spec.versions[0]?.subresources).toEqual({ status: {} })
    expect(stageInventory?.spec.versions[0]?.subresources).toBeUndefined()
    expect(stageSet?.spec.scope).toBe("Namespaced")
    expect(stageInventory?.spec.scope).toBe("Namespaced")
  })

  it("mark StageInventory as an ApplySet parent type so kubectl accepts it", () => {
    const stageInventory = allCrds().find((crd) => crd.spec.names.kind === "StageInventory")
    expect(stageInventory?.metadata.labels).toEqual({
      "applyset.kubernetes.io/is-parent-type": "true",
    })
    expect(stageInventory?.spec.names.shortNames).toEqual(["sinv"])
  })

  it("print readiness for StageSets and stage, shard and position for inventories", () => {
    const columns = (kind: string) =>
      allCrds()
        .find((crd) => crd.spec.names.kind === kind)
        ?.spec.versions[0]?.additionalPrinterColumns.map((c) => [c.name, c.jsonPath])
    expect(columns("StageSet")).toEqual([
      ["Ready", '.status.conditions[?(@.type=="Ready")].status'],
      ["Reason", '.status.conditions[?(@.type=="Ready")].reason'],
      ["Mode", ".status.inventoryMode"],
      ["Age", ".metadata.creationTimestamp"],
      ["Message", '.status.conditions[?(@.type=="Ready")].message'],
    ])
    expect(columns("StageInventory")).toEqual([
      ["StageSet", ".metadata.labels.stages\\.metio\\.wtf/stage-set"],
      ["Stage", ".metadata.labels.stages\\.metio\\.wtf/stage"],
      ["Shard", ".metadata.labels.stages\\.metio\\.wtf/shard"],
      ["Position", ".spec.stagePosition"],
      ["Age", ".metadata.creationTimestamp"],
    ])
  })
})
