import { dirname, join } from "node:path"
import type { Plugin } from "esbuild"

/** Per importing file (a path ending), per import specifier: each name's own module. */
export type NarrowedImports = Readonly<
  Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>
>

/**
 * An esbuild plugin that points a dependency's import of a barrel at the modules that
 * define the names it takes. @kubernetes/client-node's config module (KubeConfig) imports
 * two names from its generated API's barrel, which re-exports every generated model and API
 * class (~550 KB that the bundle would evaluate at start-up, for a client that is never
 * made); only the two modules that define them are needed. Paths are relative to the
 * importing file, as in its own import.
 *
 * A name the importer takes that is not listed is an esbuild error at build time ("No
 * matching export"), never a silent `undefined`: a dependency update that imports more
 * fails the build instead of the program.
 */
export const narrowImports = (imports: NarrowedImports): Plugin => ({
  name: "narrow-imports",
  setup(build) {
    const specifiers = new Set(Object.values(imports).flatMap((byPath) => Object.keys(byPath)))
    const escaped = [...specifiers].map((s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"))
    build.onResolve({ filter: new RegExp(`^(${escaped.join("|")})$`) }, (args) => {
      const importer = Object.keys(imports).find((ending) => args.importer.endsWith(ending))
      const names = importer === undefined ? undefined : imports[importer]?.[args.path]
      if (names === undefined) return undefined
      return {
        path: `${args.importer}:${args.path}`,
        namespace: "narrow-imports",
        pluginData: { dir: dirname(args.importer), names },
      }
    })
    build.onLoad({ filter: /.*/, namespace: "narrow-imports" }, (args) => {
      const { dir, names } = args.pluginData as {
        readonly dir: string
        readonly names: Readonly<Record<string, string>>
      }
      const lines = Object.entries(names).map(
        ([name, module]) => `export { ${name} } from ${JSON.stringify(join(dir, module))}`,
      )
      return { contents: lines.join("\n"), loader: "js", resolveDir: dir }
    })
  },
})
