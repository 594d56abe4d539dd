import { readFileSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import type { Plugin } from "esbuild"

/**
 * An esbuild plugin that turns the project's `import { Effect, Schema } from "effect"` into
 * `import * as Effect from "effect/Effect"` (and the same for the other barrels named),
 * at build time only. A barrel's `export * as Effect from "./Effect.js"` makes esbuild
 * build the whole namespace object, which keeps every export of every module named, used
 * or not; a namespace import of the module itself, used only as `Effect.map`, lets esbuild
 * keep just what is used. Measured: controller bundle 6.19 -> 4.87 MB, stagesetctl `get -A`
 * 212-216 -> 178-197 ms (BENCHMARKS.md, "Smaller bundles").
 *
 * Only names the barrel re-exports as a namespace (`export * as Name from "./Name.js"`,
 * read from the package's own ES index) are rewritten; every other specifier, type-only
 * ones included, stays on the barrel, so a name the rewrite does not know still resolves
 * as written.
 */
const namespaceExports = (pkg: string, from: string): ReadonlyMap<string, string> => {
  const require = createRequire(join(from, "package.json"))
  const manifest = require.resolve(`${pkg}/package.json`)
  const index = readFileSync(join(dirname(manifest), "dist/esm/index.js"), "utf8")
  // Namespace name -> the module's entry point ("effect/Effect").
  return new Map(
    [...index.matchAll(/^export \* as (\w+) from "\.\/(\w+)\.js"/gm)].map((m) => [
      m[1]!,
      `${pkg}/${m[2]!}`,
    ]),
  )
}

const importStatement = /import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g

export const deepImports = (packages: ReadonlyArray<string>, root: string): Plugin => ({
  name: "deep-imports",
  setup(build) {
    const namespaces = new Map(packages.map((pkg) => [pkg, namespaceExports(pkg, root)]))
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes("/node_modules/")) return undefined
      const source = await readFile(args.path, "utf8")
      const contents = source.replace(importStatement, (statement, list: string, pkg: string) => {
        const known = namespaces.get(pkg)
        if (known === undefined) return statement
        const kept: Array<string> = []
        const deep: Array<string> = []
        // Comments inside the braces are no specifiers.
        const specifiers = list.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "")
        for (const raw of specifiers.split(",")) {
          const specifier = raw.trim()
          if (specifier === "") continue
          const [name, alias] = specifier.split(/\s+as\s+/) as [string, string | undefined]
          const entry = known.get(name)
          if (entry !== undefined) deep.push(`import * as ${alias ?? name} from "${entry}"`)
          else kept.push(specifier)
        }
        if (deep.length === 0) return statement
        return [
          ...deep,
          ...(kept.length > 0 ? [`import { ${kept.join(", ")} } from "${pkg}"`] : []),
        ].join("; ")
      })
      return { contents, loader: "ts" }
    })
  },
})
