/**
 * `npm run generate`: writes the CRDs under manifests/crds from the schemas.
 * Paths resolve against the working directory, which npm sets to the repo root.
 */
import { FileSystem, Path } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { crdFiles } from "./crdFiles.ts"

const generate = Effect.fn("generate")(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  for (const file of crdFiles()) {
    yield* fs.makeDirectory(path.dirname(file.path), { recursive: true })
    yield* fs.writeFileString(file.path, file.content)
    yield* Effect.log(`wrote ${file.path}`)
  }
})

generate().pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
