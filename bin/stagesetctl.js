#!/usr/bin/env node
// stagesetctl: Node runs the TypeScript sources directly (type stripping, on by default in Node 24).
if (!process.features.typescript) {
  process.stderr.write(
    `error: stagesetctl needs Node 24 (TypeScript type stripping); this is Node ${process.versions.node}\n`,
  )
  process.exit(1)
}
await import("../src/roots/stagesetctl.ts")
