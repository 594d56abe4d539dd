import { describe, expect, it } from "@effect/vitest"
import { defaultResources } from "../../../../layers/inmemory/defaultResources.ts"
import { fieldSetOf, fromFieldsV1, toFieldsV1 } from "../../../../layers/inmemory/FieldSet.ts"
import { makeListTypes } from "../../../../layers/inmemory/ListTypes.ts"
import { makeResourceTable } from "../../../../layers/inmemory/ResourceTable.ts"

const table = makeResourceTable(defaultResources)
const listTypes = (groupKind: string) => makeListTypes(table.defs.get(groupKind)!, "v1")

describe("field sets", () => {
  it("uses keys for associative lists, values for finalizers, leaves elsewhere; skips server metadata", () => {
    const set = fieldSetOf(
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: "web",
          namespace: "a",
          uid: "u",
          finalizers: ["x/y"],
          labels: { app: "web" },
        },
        spec: { ports: [{ port: 80 }], selector: { app: "web" }, clusterIPs: ["10.0.0.1"] },
        status: { loadBalancer: {} },
      },
      listTypes("/Service"),
      "main",
    )
    expect(toFieldsV1(set)).toEqual({
      "f:metadata": { "f:finalizers": { 'v:"x/y"': {} }, "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:clusterIPs": {},
        "f:ports": { 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {} } },
        "f:selector": { "f:app": {} },
      },
    })
  })

  it("round-trips through fieldsV1", () => {
    const set = fieldSetOf(
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        spec: {
          template: { spec: { containers: [{ name: "a", env: [{ name: "X", value: "1" }] }] } },
        },
      },
      listTypes("apps/Deployment"),
      "main",
    )
    expect(fromFieldsV1(toFieldsV1(set))).toEqual(set)
  })
})
