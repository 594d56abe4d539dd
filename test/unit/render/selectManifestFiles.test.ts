import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import {
  compareCodePoints,
  normaliseArtifactPath,
  selectArtifactFiles,
  selectConfigMapFiles,
  selectSecretFiles,
} from "../../../src/render/selectManifestFiles.ts"

const right = <A, E>(either: Either.Either<A, E>): A => {
  if (Either.isLeft(either)) throw new Error(`unexpected Left: ${String(either.left)}`)
  return either.right
}
const leftMessage = <A, E extends { message: string }>(either: Either.Either<A, E>): string => {
  if (Either.isRight(either)) throw new Error("expected a Left")
  return either.left.message
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64")

describe("selectConfigMapFiles", () => {
  it("keeps .yaml, .yml and .json keys in code-point key order", () => {
    const { files, dir } = right(
      selectConfigMapFiles({
        "z.yaml": "z",
        "README.md": "not a manifest",
        "b.json": "b",
        "A.yml": "A",
        "a.yaml": "a",
        "c.YAML": "upper-case extension is not a manifest",
        "a.yaml.bak": "backup",
      }),
    )
    expect(files.map((f) => f.path)).toEqual(["A.yml", "a.yaml", "b.json", "z.yaml"])
    expect(files[1]).toEqual({ path: "a.yaml", content: "a" })
    expect(dir).toBe("")
  })

  it("returns nothing for no data", () => {
    expect(right(selectConfigMapFiles(undefined))).toEqual({ files: [], dir: "" })
  })

  it("keeps every key once a kustomization is among them: kustomize may read any of them", () => {
    const { files } = right(
      selectConfigMapFiles({ "kustomization.yaml": "resources: []", "app.properties": "a=1" }),
    )
    expect(files.map((f) => f.path)).toEqual(["app.properties", "kustomization.yaml"])
  })
})

describe("selectSecretFiles", () => {
  it("decodes base64 values", () => {
    const { files } = right(
      selectSecretFiles({ "b.yaml": b64("kind: B\n"), "a.json": b64("{}"), "key.pem": "!!" }),
    )
    expect(files).toEqual([
      { path: "a.json", content: "{}" },
      { path: "b.yaml", content: "kind: B\n" },
    ])
  })

  it("refuses a value that is not base64 or not UTF-8, naming the key", () => {
    expect(leftMessage(selectSecretFiles({ "a.yaml": "not base64!" }))).toBe(
      "a.yaml: value is not base64",
    )
    const latin1 = Buffer.from([0xff, 0xfe, 0x41]).toString("base64")
    expect(leftMessage(selectSecretFiles({ "a.yaml": latin1 }))).toBe(
      "a.yaml: value is not UTF-8 text",
    )
  })

  it("with a kustomization, keeps every key, binary ones byte for byte", () => {
    const binary = Buffer.from([0xff, 0x00, 0x41])
    const { files } = right(
      selectSecretFiles({
        "kustomization.yaml": b64("secretGenerator: []\n"),
        "blob.bin": binary.toString("base64"),
      }),
    )
    expect(files.map((f) => f.path)).toEqual(["blob.bin", "kustomization.yaml"])
    expect(Buffer.from(files[0]?.bytes ?? []).equals(binary)).toBe(true)
  })
})

describe("normaliseArtifactPath", () => {
  it("maps the spellings of a directory to one prefix", () => {
    for (const [input, expected] of [
      [undefined, ""],
      ["./", ""],
      [".", ""],
      ["/", ""],
      ["./deploy/prod/", "deploy/prod"],
      ["deploy//prod", "deploy/prod"],
      ["/deploy/prod", "deploy/prod"],
      ["deploy/base/../prod", "deploy/prod"],
    ] as const)
      expect(right(normaliseArtifactPath(input))).toBe(expected)
  })

  it("refuses a path above the root", () => {
    expect(leftMessage(normaliseArtifactPath("../other"))).toMatch(/escapes the artifact root/)
  })
})

describe("selectArtifactFiles", () => {
  const archive = [
    { path: "deploy/prod/z.yaml", content: "z" },
    { path: "deploy/prod/nested/a.yml", content: "a" },
    { path: "deploy/prod/README.md", content: "docs" },
    { path: "deploy/prod-old/x.yaml", content: "other directory, same prefix" },
    { path: "deploy/dev/d.json", content: "d" },
    { path: "top.yaml", content: "top" },
  ]

  it("takes manifests under path, recursively, sorted by path", () => {
    expect(right(selectArtifactFiles(archive, "./deploy/prod")).files.map((f) => f.path)).toEqual([
      "deploy/prod/nested/a.yml",
      "deploy/prod/z.yaml",
    ])
  })

  it("takes everything from the root", () => {
    expect(right(selectArtifactFiles(archive, "./")).files.map((f) => f.path)).toEqual([
      "deploy/dev/d.json",
      "deploy/prod-old/x.yaml",
      "deploy/prod/nested/a.yml",
      "deploy/prod/z.yaml",
      "top.yaml",
    ])
  })

  it("refuses a missing directory rather than rendering nothing", () => {
    expect(leftMessage(selectArtifactFiles(archive, "deploy/staging"))).toBe(
      "./deploy/staging: path ./deploy/staging does not exist in the artifact",
    )
  })

  it("refuses a path that names a file", () => {
    expect(leftMessage(selectArtifactFiles(archive, "top.yaml"))).toMatch(
      /is a file, not a directory/,
    )
  })

  it("keeps the whole artifact when a kustomization lies under path, for bases elsewhere in it", () => {
    for (const at of ["deploy/prod", "deploy/prod/nested"]) {
      for (const name of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
        const withKustomization = [...archive, { path: `${at}/${name}`, content: "" }]
        const selected = right(selectArtifactFiles(withKustomization, "deploy/prod"))
        expect(selected.dir).toBe("deploy/prod")
        expect(selected.files).toHaveLength(withKustomization.length)
      }
    }
    const elsewhere = [...archive, { path: "deploy/dev/kustomization.yaml", content: "" }]
    expect(right(selectArtifactFiles(elsewhere, "deploy/prod")).files).toHaveLength(2)
  })
})

describe("compareCodePoints", () => {
  it("orders by code point, not UTF-16 unit", () => {
    // U+1F600 (a surrogate pair starting 0xD83D) sorts after U+FF5E by code point.
    const names = ["\u{1F600}.yaml", "\uFF5E.yaml", "a.yaml"]
    expect([...names].sort(compareCodePoints)).toEqual(["a.yaml", "\uFF5E.yaml", "\u{1F600}.yaml"])
    expect([...names].sort()).not.toEqual([...names].sort(compareCodePoints))
  })
})
