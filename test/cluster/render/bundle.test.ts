import { execFileSync, spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))

// The image runs the bundle, not the sources: it must start on its own, without
// node_modules next to it and without warnings in the log stream.
describe("the bundled controller (npm run build)", () => {
  it("runs from dist/ alone: --version, and --help lists the flags", () => {
    execFileSync(process.execPath, ["hack/build.ts"], { cwd: root })
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
})
