import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { build, type Plugin } from "esbuild"
import { afterEach, describe, expect, it } from "vitest"
import { deepImports } from "../../../hack/deepImports.ts"
import { lazyCommonJs } from "../../../hack/lazyCommonJs.ts"
import { narrowImports } from "../../../hack/narrowImports.ts"
import { requireBuiltins } from "../../../hack/requireBuiltins.ts"

/**
 * The esbuild plugins of `npm run build` that keep stagesetctl's start-up short (B10): a
 * bundle built with them behaves as without, only later (lazyCommonJs) or without loading
 * what nothing uses (requireBuiltins, deepImports, narrowImports).
 */
const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const project = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), "bundle-plugins-"))
  dirs.push(dir)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

const bundle = (dir: string, plugins: Array<Plugin>, entry = "main.mjs") =>
  build({
    absWorkingDir: dir,
    entryPoints: [entry],
    outfile: "out.mjs",
    bundle: true,
    platform: "node",
    format: "esm",
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: "silent",
    plugins,
  })

const run = (dir: string) =>
  execFileSync(process.execPath, [join(dir, "out.mjs")], { encoding: "utf8" }).trim()

// A CommonJS package that says when it is evaluated, with a class and a default function.
const tracer = {
  "node_modules/tracer/package.json": '{ "name": "tracer", "main": "index.js" }',
  "node_modules/tracer/index.js": [
    'console.log("evaluated")',
    "class Greeter { constructor(name) { this.greeting = 'hello ' + name } }",
    "module.exports = Object.assign((x) => x * 2, { Greeter })",
  ].join("\n"),
}

describe("lazyCommonJs", () => {
  it("evaluates the package on first use, and its exports work as before", async () => {
    const dir = project({
      ...tracer,
      "main.mjs": [
        'import double, { Greeter } from "tracer"',
        'console.log("started")',
        'console.log(new Greeter("you").greeting, double(21))',
      ].join("\n"),
    })
    await bundle(dir, [lazyCommonJs({ tracer: ["default", "Greeter"] })])
    expect(run(dir).split("\n")).toEqual(["started", "evaluated", "hello you 42"])
    // Without the plugin the package is evaluated at start-up.
    await bundle(dir, [])
    expect(run(dir).split("\n")).toEqual(["evaluated", "started", "hello you 42"])
  })

  it("fails the build when an importer uses an export it does not list", async () => {
    const dir = project({ ...tracer, "main.mjs": 'import { Greeter } from "tracer"\nGreeter()' })
    await expect(bundle(dir, [lazyCommonJs({ tracer: ["default"] })])).rejects.toThrow(
      /No matching export .* "Greeter"/,
    )
  })
})

describe("requireBuiltins", () => {
  // What node:http loads on import shows in process.moduleLoadList (undici: Node's fetch).
  const main = [
    'import * as http from "node:http"',
    'import httpDefault from "node:http"',
    "const undici = process.moduleLoadList.some((m) => m.includes('undici'))",
    "console.log(typeof http.request, typeof http.Agent, httpDefault.globalAgent !== undefined, undici)",
  ].join("\n")

  it("serves node:http's exports without loading undici", async () => {
    const dir = project({ "main.mjs": main })
    await bundle(dir, [requireBuiltins(["http"])])
    expect(run(dir)).toBe("function function true false")
    // Imported as an ES module, Node's facade reads the getters that load undici.
    await bundle(dir, [])
    expect(run(dir)).toBe("function function true true")
  })

  it("fails the build on an import of one of the builtin's getters by name", async () => {
    const dir = project({ "main.mjs": 'import { WebSocket } from "node:http"\nWebSocket' })
    await expect(bundle(dir, [requireBuiltins(["http"])])).rejects.toThrow(
      /No matching export .* "WebSocket"/,
    )
  })
})

describe("deepImports", () => {
  // A package laid out like effect: an ES barrel of namespaces, each also its own entry.
  const fx = {
    "node_modules/fx/package.json": JSON.stringify({
      name: "fx",
      type: "module",
      sideEffects: false,
      exports: {
        "./package.json": "./package.json",
        ".": "./dist/esm/index.js",
        "./*": "./dist/esm/*.js",
      },
    }),
    "node_modules/fx/dist/esm/index.js": [
      'export * as Alpha from "./Alpha.js"',
      'export * as Beta from "./Beta.js"',
      'export { twice } from "./Function.js"',
    ].join("\n"),
    "node_modules/fx/dist/esm/Alpha.js": [
      'export const used = () => "alpha"',
      'export const unused = () => "ALPHA-UNUSED"',
    ].join("\n"),
    "node_modules/fx/dist/esm/Beta.js": 'export const other = () => "BETA-UNUSED"',
    "node_modules/fx/dist/esm/Function.js": "export const twice = (s) => s + s",
  }
  const main = [
    'import {\n  /* the one used */ Alpha as A,\n  type Beta, // types only\n  twice,\n} from "fx"',
    "const b: Beta.Missing | undefined = undefined",
    "console.log(twice(A.used()), b)",
  ].join("\n")

  it("keeps only the used exports of a barrel's namespaces, and the program runs the same", async () => {
    const dir = project({ ...fx, "main.ts": main })
    await bundle(dir, [deepImports(["fx"], dir)], "main.ts")
    expect(run(dir)).toBe("alphaalpha undefined")
    const deep = readFileSync(join(dir, "out.mjs"), "utf8")
    expect(deep).not.toContain("ALPHA-UNUSED")
    expect(deep).not.toContain("BETA-UNUSED")
    // Through the barrel, esbuild builds Alpha's whole namespace object.
    await bundle(dir, [], "main.ts")
    expect(run(dir)).toBe("alphaalpha undefined")
    expect(readFileSync(join(dir, "out.mjs"), "utf8")).toContain("ALPHA-UNUSED")
  })
})

describe("narrowImports", () => {
  // A dependency whose client module takes two names from a barrel that also holds a big
  // generated module with work at its top level.
  const kit = {
    "node_modules/kit/package.json":
      '{ "name": "kit", "type": "module", "main": "dist/client.js" }',
    "node_modules/kit/dist/client.js": [
      'import { make, Server } from "./gen/index.js"',
      'export const connect = () => make() + " " + new Server().url',
    ].join("\n"),
    "node_modules/kit/dist/gen/index.js": [
      'export * from "./models.js"',
      'export { make } from "./configuration.js"',
      'export * from "./servers.js"',
    ].join("\n"),
    "node_modules/kit/dist/gen/models.js": 'console.log("models evaluated")\nexport class Pod {}',
    "node_modules/kit/dist/gen/configuration.js": 'export const make = () => "configured"',
    "node_modules/kit/dist/gen/servers.js": 'export class Server { url = "https://x" }',
  }
  const main = 'import { connect } from "kit"\nconsole.log(connect())'
  const narrowed = (names: Record<string, string>) =>
    narrowImports({ "kit/dist/client.js": { "./gen/index.js": names } })

  it("loads only the modules that define the names taken, and the importer works as before", async () => {
    const dir = project({ ...kit, "main.mjs": main })
    await bundle(dir, [narrowed({ make: "./gen/configuration.js", Server: "./gen/servers.js" })])
    expect(run(dir)).toBe("configured https://x")
    expect(readFileSync(join(dir, "out.mjs"), "utf8")).not.toContain("models evaluated")
    // Through the barrel, the generated models are in the bundle and evaluated at start-up.
    await bundle(dir, [])
    expect(run(dir).split("\n")).toEqual(["models evaluated", "configured https://x"])
  })

  it("fails the build when the importer takes a name it does not list", async () => {
    const dir = project({ ...kit, "main.mjs": main })
    await expect(bundle(dir, [narrowed({ make: "./gen/configuration.js" })])).rejects.toThrow(
      /No matching export .* "Server"/,
    )
  })
})
