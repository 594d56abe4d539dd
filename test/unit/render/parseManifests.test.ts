import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import type { BuildFailed } from "../../../src/render/BuildFailed.ts"
import { parseManifests } from "../../../src/render/parseManifests.ts"

const file = (path: string, content: string) => ({ path, content })

const parse = (...files: ReadonlyArray<{ path: string; content: string }>) => {
  const result = parseManifests(files)
  if (Either.isLeft(result)) throw new Error(`unexpected BuildFailed: ${result.left.message}`)
  return result.right
}

const failure = (...files: ReadonlyArray<{ path: string; content: string }>): BuildFailed => {
  const result = parseManifests(files)
  if (Either.isRight(result)) throw new Error("expected a BuildFailed")
  return result.left
}

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`

describe("parseManifests", () => {
  it("reads multi-document YAML in file and document order, skipping empty documents", () => {
    const objects = parse(
      file("b.yaml", `${configMap("one")}---\n# only a comment\n---\n---\n${configMap("two")}`),
      file("a.yaml", configMap("three")),
    )
    expect(objects.map((o) => o.object.metadata.name)).toEqual(["one", "two", "three"])
    expect(objects.map((o) => o.source)).toEqual([
      { file: "b.yaml", index: 0 },
      { file: "b.yaml", index: 3 },
      { file: "a.yaml", index: 0 },
    ])
  })

  it("returns nothing for an empty file or a file of comments", () => {
    expect(parse(file("empty.yaml", ""), file("c.yml", "# nothing\n---\n"))).toEqual([])
  })

  it("reads YAML 1.1 octals the way kubectl does and keeps on/yes as strings", () => {
    const [rendered] = parse(
      file(
        "cm.yaml",
        `${configMap("x")}data:\n  flag: on\nspec:\n  defaultMode: 0644\n  port: 8080\n`,
      ),
    )
    expect(rendered?.object.spec).toEqual({ defaultMode: 0o644, port: 8080 })
    expect(rendered?.object.data).toEqual({ flag: "on" })
  })

  it("reads every document of a file with the same rules (octals, on/yes, merge keys)", () => {
    const document = (name: string) =>
      `${configMap(name)}data:\n  flag: on\nspec:\n  base: &base\n    defaultMode: 0644\n  merged:\n    <<: *base\n    port: 8080\n`
    const objects = parse(file("many.yaml", ["a", "b", "c"].map(document).join("---\n")))
    expect(objects).toHaveLength(3)
    for (const { object } of objects) {
      expect(object.data).toEqual({ flag: "on" })
      expect(object.spec).toEqual({
        base: { defaultMode: 0o644 },
        merged: { defaultMode: 0o644, port: 8080 },
      })
    }
  })

  it("reads a file that declares %YAML 1.1 by YAML 1.1's rules, as the yaml library does", () => {
    const objects = parse(
      file(
        "old.yaml",
        `%YAML 1.1\n---\n${configMap("old")}data:\n  flag: yes\n...\n---\n${configMap("new")}data:\n  flag: yes\n`,
      ),
    )
    // The library keeps the declared version for the documents after it too.
    expect(objects.map((o) => o.object.data)).toEqual([{ flag: true }, { flag: true }])
  })

  it("reads a JSON object and a JSON array of objects", () => {
    const object = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "j" } }
    const objects = parse(
      file("one.json", JSON.stringify(object)),
      file("many.json", JSON.stringify([object, { ...object, metadata: { name: "k" } }])),
    )
    expect(objects.map((o) => [o.source.file, o.source.index, o.object.metadata.name])).toEqual([
      ["one.json", 0, "j"],
      ["many.json", 0, "j"],
      ["many.json", 1, "k"],
    ])
  })

  it("expands kind: List into its items, as kubectl does", () => {
    const objects = parse(
      file(
        "list.yaml",
        `${configMap("first")}---\napiVersion: v1\nkind: List\nitems:\n  - ${JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } })}\n  - ${JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "svc" } })}\n`,
      ),
    )
    expect(objects.map((o) => [o.object.kind, o.source])).toEqual([
      ["ConfigMap", { file: "list.yaml", index: 0 }],
      ["Secret", { file: "list.yaml", index: 1, item: 0 }],
      ["Service", { file: "list.yaml", index: 1, item: 1 }],
    ])
  })

  describe("BuildFailed names the file and the 0-based document index", () => {
    const cases: ReadonlyArray<{
      name: string
      path?: string
      content: string
      index: number | undefined
      detail: RegExp
    }> = [
      {
        name: "invalid YAML, with the parser's line and column",
        content: `${configMap("ok")}---\n${configMap("ok2")}---\nkey: [unclosed\n`,
        index: 2,
        detail: /document 2 \(0-based\): not valid YAML: .*\(line \d+, column \d+\)/,
      },
      {
        name: "duplicate keys",
        content: "apiVersion: v1\napiVersion: v2\n",
        index: 0,
        detail:
          /document 0 \(0-based\): not valid YAML: Map keys must be unique \(line 2, column 1\)/,
      },
      {
        name: "a list instead of a mapping",
        content: `${configMap("ok")}---\n- a\n- b\n`,
        index: 1,
        detail: /document 1 \(0-based, line 6\): not a mapping, found a list/,
      },
      {
        name: "a scalar instead of a mapping",
        content: "just text\n",
        index: 0,
        detail: /document 0 \(0-based, line 1\): not a mapping, found a scalar/,
      },
      {
        name: "missing apiVersion",
        content: "kind: ConfigMap\nmetadata: {name: a}\n",
        index: 0,
        detail: /missing apiVersion$/,
      },
      {
        name: "missing kind",
        content: `${configMap("a")}---\napiVersion: v1\nmetadata: {name: b}\n`,
        index: 1,
        detail: /document 1 \(0-based, line 6\): missing kind$/,
      },
      {
        name: "missing metadata.name",
        content: "apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: x}\n",
        index: 0,
        detail: /missing metadata\.name$/,
      },
      {
        name: "missing metadata",
        content: "apiVersion: v1\nkind: ConfigMap\n",
        index: 0,
        detail: /missing metadata\.name$/,
      },
      {
        name: "generateName",
        content: "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: cm-}\n",
        index: 0,
        detail:
          /generateName is not supported: set metadata\.name, the inventory needs stable names/,
      },
      {
        name: "a non-string label value",
        content: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {enabled: true}}\n",
        index: 0,
        detail: /metadata\.labels\.enabled must be a string, found a boolean \(quote it\)/,
      },
      {
        name: "an unresolved alias",
        content: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: *missing}\n",
        index: 0,
        detail: /not valid YAML/,
      },
      {
        name: "a List item without a name",
        content:
          "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {}}\n",
        index: 0,
        detail: /document 0 \(0-based, line 1\) item 0: missing metadata\.name$/,
      },
      {
        name: "List items that are not a list",
        content: "apiVersion: v1\nkind: List\nitems: {a: b}\n",
        index: 0,
        detail: /List items must be a list/,
      },
      {
        name: "a JSON array element that is not an object",
        path: "objects.json",
        content: '[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}, 3]',
        index: 1,
        detail: /objects\.json document 1 \(0-based\): not a mapping, found a number$/,
      },
      {
        name: "invalid JSON (the whole file)",
        path: "broken.json",
        content: '{"apiVersion": ',
        index: undefined,
        detail: /^broken\.json: not valid JSON: /,
      },
    ]
    for (const testCase of cases) {
      it(testCase.name, () => {
        const path = testCase.path ?? "config.yaml"
        const error = failure(file("first.yaml", configMap("fine")), file(path, testCase.content))
        expect(error._tag).toBe("BuildFailed")
        expect(error.file).toBe(path)
        expect(error.index).toBe(testCase.index)
        expect(error.message.startsWith(path)).toBe(true)
        expect(error.message).toMatch(testCase.detail)
      })
    }
  })

  describe("a Secret's files (sensitive): the parser's words, which may quote them, are withheld", () => {
    const secretText = "hunter2-do-not-print"
    it.each([
      ["creds.json", `{"password": ${secretText}}`, /^creds\.json: not valid JSON$/],
      [
        "creds.yaml",
        `password: [${secretText}`,
        /^creds\.yaml document 0 \(0-based\): not valid YAML \(line \d+, column \d+\)$/,
      ],
    ])("%s", (path, content, detail) => {
      const plain = parseManifests([file(path, content)])
      const sensitive = parseManifests([file(path, content)], { sensitive: true })
      if (Either.isRight(plain) || Either.isRight(sensitive))
        throw new Error("expected BuildFailed")
      // Without the option the library's reason is there (Node's JSON.parse even quotes the text).
      expect(plain.left.message.length).toBeGreaterThan(sensitive.left.message.length)
      expect(sensitive.left.message).toMatch(detail)
      expect(sensitive.left.message).not.toContain(secretText)
    })
  })
})
