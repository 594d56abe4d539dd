import { execFile, spawnSync } from "node:child_process"
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { beforeAll, describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))

// The image runs the bundle, not the sources: it must start on its own, without
// node_modules next to it and without warnings in the log stream.
describe("the bundles of npm run build", () => {
  // Both bundles, once; asynchronously, so the test worker keeps answering its runner.
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, ["hack/build.ts"], { cwd: root })
  }, 300_000)

  it("runs from dist/ alone: --version, and --help lists the flags", () => {
    // One character beyond ASCII makes V8 hold the whole module source as a two-byte string.
    const bundle = readFileSync(`${root}dist/stageset-controller.mjs`, "utf8")
    expect(/[\u0080-\uffff]/.test(bundle)).toBe(false)
    const run = (...args: Array<string>) =>
      spawnSync(process.execPath, [`${root}dist/stageset-controller.mjs`, ...args], {
        cwd: "/",
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
      })
    const version = run("--version")
    expect(version.status).toBe(0)
    expect(version.stdout.trim()).toBe("0.1.0")
    expect(version.stderr).toBe("")
    const help = run("--help")
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("--inventory-mode")
    expect(help.stdout).toContain("--watch-namespaces")
  }, 60_000)

  // stagesetctl's bundle (dist/cli/, with its chunks) in a directory of its own, no
  // node_modules near, next to a copy of the bin script and a stand-in for the sources.
  it("stagesetctl: the bin script runs the bundle while it is current, else the sources", () => {
    const dir = mkdtempSync(join(tmpdir(), "stagesetctl-bundle-"))
    try {
      cpSync(`${root}dist/cli`, join(dir, "dist/cli"), { recursive: true })
      cpSync(`${root}bin/stagesetctl.js`, join(dir, "bin/stagesetctl.js"))
      writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n')
      mkdirSync(join(dir, "src/roots"), { recursive: true })
      const source = join(dir, "src/roots/stagesetctl.ts")
      writeFileSync(source, 'console.log("from the sources")\n')
      const builtAt = Date.now()
      writeFileSync(
        join(dir, "dist/cli/inputs.json"),
        JSON.stringify({ builtAt, inputs: ["src/roots/stagesetctl.ts"] }),
      )
      const run = (...args: Array<string>) =>
        spawnSync(process.execPath, [join(dir, "bin/stagesetctl.js"), ...args], {
          cwd: "/",
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "" },
        })
      const at = (ms: number) => new Date(ms)
      utimesSync(source, at(builtAt - 60_000), at(builtAt - 60_000))
      const version = run("--version")
      expect(version.stderr).toBe("")
      expect(version.stdout.trim()).toBe("0.1.0")
      // Only the named subcommand's chunk is loaded, and it parses like the whole tree.
      const help = run("get", "--help")
      expect(help.status).toBe(0)
      expect(help.stdout).toContain("--all-namespaces")
      const unknown = run("get", "--no-such-flag")
      expect(unknown.status).toBe(2)
      // A source edited after the build: the bundle is stale, the sources run.
      utimesSync(source, at(builtAt + 60_000), at(builtAt + 60_000))
      expect(run("--version").stdout.trim()).toBe("from the sources")
      // No list of inputs (an older build): the sources run too.
      utimesSync(source, at(builtAt - 60_000), at(builtAt - 60_000))
      rmSync(join(dir, "dist/cli/inputs.json"))
      expect(run("--version").stdout.trim()).toBe("from the sources")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
