import { describe, expect, it } from "@effect/vitest"
import { changedFields, changedPaths } from "../../../src/cli/diffObjects.ts"
import { formatChange } from "../../../src/cli/formatChanges.ts"
import { inventoryViews } from "../../../src/cli/inventoryView.ts"
import { formatTable } from "../../../src/cli/output.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const shard = (
  stage: string,
  index: number,
  entries: ReadonlyArray<{ id: string; v: string }> | undefined,
  extra: Partial<KubeObject["metadata"]> = {},
): KubeObject => ({
  apiVersion: "stages.metio.wtf/v1",
  kind: "StageInventory",
  metadata: {
    name: `ss-${stage}-${index}`,
    labels: { "stages.metio.wtf/stage": stage, "stages.metio.wtf/shard": String(index) },
    ...extra,
  },
  spec: entries === undefined ? { stagePosition: 0 } : { stagePosition: 0, entries },
})

describe("formatTable", () => {
  it("pads columns to the widest cell and trims the line end", () => {
    expect(
      formatTable(
        ["NAME", "READY"],
        [
          ["a-long-name", "True"],
          ["b", ""],
        ],
      ),
    ).toBe("NAME          READY\na-long-name   True\nb")
  })
})

describe("inventoryViews", () => {
  it("orders stages as the spec does, shards by index, and decodes entry ids", () => {
    const views = inventoryViews(
      [
        shard("two", 0, [{ id: "_ops__Namespace", v: "v1" }]),
        shard("one", 1, [{ id: "ns_b_apps_Deployment", v: "apps/v1" }]),
        shard("one", 0, [
          { id: "ns_system__x_rbac.authorization.k8s.io_Role", v: "rbac.authorization.k8s.io/v1" },
        ]),
        shard("one", 2, [{ id: "garbage", v: "v1" }]),
      ],
      ["one", "two"],
    )
    expect(views.map((v) => v.stage)).toEqual(["one", "two"])
    const one = views[0]
    expect(one?.shards.map((s) => [s.name, s.entries])).toEqual([
      ["ss-one-0", 1],
      ["ss-one-1", 1],
      ["ss-one-2", 1],
    ])
    expect(one?.entries.map((e) => [e.kind, e.namespace, e.name, e.valid])).toEqual([
      ["Role", "ns", "system:x", true],
      ["Deployment", "ns", "b", true],
      ["?", "", "", false],
    ])
    expect(views[1]?.entries[0]).toMatchObject({ kind: "Namespace", namespace: "", name: "ops" })
  })

  it("lists the entries of a shard the Go implementation wrote (no stagePosition)", () => {
    const [view] = inventoryViews(
      [
        {
          apiVersion: "stages.metio.wtf/v1",
          kind: "StageInventory",
          metadata: {
            name: "ss-one-00-0123456789",
            labels: { "stages.metio.wtf/stage": "one", "stages.metio.wtf/shard": "0" },
          },
          spec: { entries: [{ id: "ns_b_apps_Deployment", v: "apps/v1" }] },
        },
      ],
      ["one"],
    )
    expect(view?.shards.map((s) => [s.name, s.entries])).toEqual([["ss-one-00-0123456789", 1]])
    expect(view?.entries.map((e) => [e.kind, e.name])).toEqual([["Deployment", "b"]])
  })

  it("reports the ApplySet of shard 0 when no entries are recorded", () => {
    const [view] = inventoryViews(
      [
        shard("one", 0, undefined, {
          labels: {
            "stages.metio.wtf/stage": "one",
            "stages.metio.wtf/shard": "0",
            "applyset.kubernetes.io/id": "applyset-abc-v1",
          },
          annotations: {
            "applyset.kubernetes.io/contains-group-kinds": "ConfigMap,Deployment.apps",
          },
        }),
      ],
      ["one"],
    )
    expect(view?.applySet).toEqual({
      id: "applyset-abc-v1",
      containsGroupKinds: ["ConfigMap", "Deployment.apps"],
    })
  })
})

describe("changedPaths", () => {
  const cm = (data: Record<string, string>, rv: string): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "a", namespace: "n", resourceVersion: rv, managedFields: [] },
    data,
  })
  it("ignores server bookkeeping and names the changed leaves", () => {
    expect(changedPaths(cm({ a: "1" }, "1"), cm({ a: "1" }, "2"))).toEqual([])
    expect(changedPaths(cm({ a: "1", b: "2" }, "1"), cm({ a: "9", c: "3" }, "1"))).toEqual([
      "data.a",
      "data.b",
      "data.c",
    ])
  })
})

describe("changedFields", () => {
  it("keeps the old and new value of each changed leaf", () => {
    const live: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a" },
      data: { a: "1", b: "2" },
    }
    const next: KubeObject = { ...live, data: { a: "9" } }
    expect(changedFields(live, next)).toEqual([
      { path: "data.a", before: "1", after: "9" },
      { path: "data.b", before: "2", after: undefined },
    ])
  })
})

describe("formatChange", () => {
  const change = {
    stage: "one",
    apiVersion: "v1",
    namespace: "n",
    name: "a",
    stateBearing: false,
  } as const
  it("names the object kubectl-style, its stage, and each field's old and new value", () => {
    expect(
      formatChange({
        ...change,
        action: "configure",
        kind: "ConfigMap",
        fields: [
          { path: "data.a", before: "1", after: "2" },
          { path: "data.b", before: undefined, after: { x: 1 } },
        ],
      }),
    ).toBe(
      [
        "~ configure ConfigMap/a -n n [stage one]",
        '    data.a: "1" -> "2"',
        '    data.b: (absent) -> {"x":1}',
      ].join("\n"),
    )
  })
  it("marks the delete of a state-bearing object; cluster-scoped objects have no -n", () => {
    expect(
      formatChange({
        ...change,
        action: "delete",
        kind: "PersistentVolume",
        namespace: "",
        fields: [],
        stateBearing: true,
      }),
    ).toBe("- delete PersistentVolume/a [stage one] (state-bearing: deleting it destroys its data)")
  })
})
