/**
 * Bundles the controller into one ES module, dist/stageset-controller.mjs, for the
 * container image (and the memory benchmark B5). Running the TypeScript sources directly
 * makes Node load whole package barrels and strip types at start-up: measured 341 MiB RSS
 * for `--version` against 128 MiB for the bundle. The bundle has no runtime dependencies.
 *
 * And stagesetctl into dist/cli/ (`stagesetctl.mjs` and its chunks), which
 * bin/stagesetctl.js runs while it is current (see there): split at the CLI's dynamic
 * imports, so a command loads only the code it runs (B10: start-up was most of
 * `stagesetctl get -A`'s time).
 */
import { mkdir, rm, writeFile } from "node:fs/promises"
import { dirname, relative, resolve } from "node:path"
import { type BuildOptions, build } from "esbuild"
import { deepImports } from "./deepImports.ts"
import { lazyCommonJs } from "./lazyCommonJs.ts"
import { narrowImports } from "./narrowImports.ts"
import { requireBuiltins } from "./requireBuiltins.ts"

/**
 * esbuild's default `charset: "ascii"` escapes strings and identifiers but keeps comments
 * as written, and a few dependencies' comments hold curly quotes or dashes. One such
 * character makes V8 hold the whole module source as a two-byte string: measured (on the
 * 6 MB bundle of then) 5.8 MiB more heap and 5.8 MiB more external memory for the life of the process. Inside
 * comments the escape changes nothing; anywhere else esbuild has already escaped.
 */
const asciiOnly = (text: string): string =>
  text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  outExtension: { ".js": ".mjs" },
  // CommonJS dependencies call require(); give the ES module (and every chunk) one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  // tr46/whatwg-url (under node-fetch) ask for "punycode/", the npm package; without the
  // alias esbuild would hand them Node's deprecated builtin, which warns at start-up.
  // undici: see hack/stubs/undici.ts (loaded for an HTTP client layer we never use).
  alias: { punycode: "punycode/", undici: "./hack/stubs/undici.ts" },
  logLevel: "warning",
  write: false,
} satisfies BuildOptions

// @kubernetes/client-node's KubeConfig module imports these at its top, for proxies and
// client-node's own fetch-based API (neither on the path of a kubeconfig without a
// proxy-url: our transport is node:https). Evaluating node-fetch (with whatwg-url and
// tr46's table) and socks-proxy-agent was ~55 ms of each `get`/`inventory` (B10), and
// memory for the life of the controller (B5).
const plugins = [
  lazyCommonJs({
    "node-fetch": ["default", "Headers"],
    "socks-proxy-agent": ["SocksProxyAgent"],
    hpagent: ["HttpProxyAgent", "HttpsProxyAgent"],
  }),
  requireBuiltins(["http"]),
  narrowImports({
    "@kubernetes/client-node/dist/config.js": {
      "./gen/index.js": {
        createConfiguration: "./gen/configuration.js",
        ServerConfiguration: "./gen/servers.js",
      },
    },
  }),
  deepImports(
    ["effect", "@effect/cli", "@effect/platform", "@effect/platform-node"],
    resolve(import.meta.dirname, ".."),
  ),
]

// Files changed after this instant may not be in the bundle (bin/stagesetctl.js compares).
const builtAt = Date.now()
const controller = await build({
  ...common,
  entryPoints: { "stageset-controller": "src/main.ts" },
  outdir: "dist",
  plugins,
})
const cli = await build({
  ...common,
  entryPoints: { stagesetctl: "src/roots/stagesetctl.ts" },
  outdir: "dist/cli",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  plugins,
})
// Chunks are named by their hash: the last build's would otherwise pile up beside these.
await rm(resolve(import.meta.dirname, "../dist/cli/chunks"), { recursive: true, force: true })
for (const file of [...controller.outputFiles, ...cli.outputFiles]) {
  await mkdir(dirname(file.path), { recursive: true })
  await writeFile(file.path, asciiOnly(file.text))
}
// The project's own files the CLI bundle was built from (not node_modules): the bin script
// runs the bundle only while none of them changed after `builtAt`.
const root = resolve(import.meta.dirname, "..")
const inputs = Object.keys(cli.metafile.inputs)
  // Modules a plugin made up are named `namespace:path`, and are no file.
  .filter((path) => !/^(lazy-commonjs|require-builtins|narrow-imports):/.test(path))
  .map((path) => relative(root, resolve(path)))
  .filter((path) => !path.split("/").includes("node_modules") && !path.startsWith(".."))
  .sort()
await writeFile(
  resolve(root, "dist/cli/inputs.json"),
  `${JSON.stringify({ builtAt, inputs: [...inputs, "package-lock.json"] }, null, 1)}\n`,
)
