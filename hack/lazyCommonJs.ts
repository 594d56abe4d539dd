import type { Plugin } from "esbuild"

/**
 * An esbuild plugin that defers evaluating CommonJS packages until first used. esbuild
 * already wraps a CommonJS module in a function, but an ES module that imports it calls
 * that function where it is imported, at start-up. Here the import resolves to a stand-in
 * ES module whose exports call or construct the package's export on first use, through a
 * `require` that esbuild bundles as usual (so the package is still in the bundle).
 *
 * `packages` names, per package, the exports its importers use: any other name is an
 * esbuild error at build time ("No matching export"), never a silent `undefined`. The
 * stand-ins are functions, so they serve calls and `new`; they are not the classes
 * themselves (`instanceof` and `extends` would not work), which is why only packages whose
 * importers merely call or construct them belong here.
 */
export const lazyCommonJs = (
  packages: Readonly<Record<string, ReadonlyArray<string>>>,
): Plugin => ({
  name: "lazy-commonjs",
  setup(build) {
    const names = Object.keys(packages).map((name) => name.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"))
    const filter = new RegExp(`^(${names.join("|")})$`)
    build.onResolve({ filter }, (args) =>
      // The stand-in's own `require` resolves as usual, to the package.
      args.kind === "require-call"
        ? undefined
        : { path: args.path, namespace: "lazy-commonjs", pluginData: args.resolveDir },
    )
    build.onLoad({ filter: /.*/, namespace: "lazy-commonjs" }, (args) => {
      const exports = packages[args.path] ?? []
      const lines = [
        "let loaded",
        `const load = () => (loaded ??= require(${JSON.stringify(args.path)}))`,
        ...exports.map((name) => {
          const target =
            name === "default" ? "(load().default ?? load())" : `load()[${JSON.stringify(name)}]`
          const local = `lazy_${name.replace(/\W/g, "_")}`
          return [
            `function ${local}(...args) {`,
            `  return new.target ? Reflect.construct(${target}, args) : ${target}(...args)`,
            "}",
            `export { ${local} as ${name} }`,
          ].join("\n")
        }),
      ]
      return { contents: lines.join("\n"), loader: "js", resolveDir: args.pluginData as string }
    })
  },
})
