import { createRequire } from "node:module"
import type { Plugin } from "esbuild"

const requireHere = createRequire(import.meta.url)

/**
 * An esbuild plugin that hands ES modules Node builtins through `require` instead of an
 * `import`. Importing a builtin as an ES module makes Node build its ES facade, which reads
 * every export once, getters included; `node:http`'s `WebSocket`, `CloseEvent` and
 * `MessageEvent` getters load undici, Node's fetch, which nothing of stagesetctl uses
 * (measured ~50 ms of each `get`/`inventory`, B10). `require` reads no export.
 *
 * The stand-in exports the builtin as its default and each plain value under its name, the
 * names read from this Node (the project's own, pinned). The builtin's getters are not
 * exported (reading them is what this avoids): an import of one by name is an esbuild
 * error at build time; the default export still has them all.
 */
export const requireBuiltins = (builtins: ReadonlyArray<string>): Plugin => ({
  name: "require-builtins",
  setup(build) {
    const filter = new RegExp(`^(node:)?(${builtins.join("|")})$`)
    build.onResolve({ filter }, (args) =>
      args.kind === "require-call"
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^node:/, ""), namespace: "require-builtins" },
    )
    build.onLoad({ filter: /.*/, namespace: "require-builtins" }, (args) => {
      const descriptors = Object.getOwnPropertyDescriptors(requireHere(`node:${args.path}`))
      const plain = Object.entries(descriptors)
        .filter(([name, descriptor]) => "value" in descriptor && /^[A-Za-z_$][\w$]*$/.test(name))
        .map(([name]) => name)
      const contents = [
        `const builtin = require(${JSON.stringify(`node:${args.path}`)})`,
        "export default builtin",
        ...plain.map((name) => `export const ${name} = builtin.${name}`),
      ].join("\n")
      return { contents, loader: "js" }
    })
  },
})
