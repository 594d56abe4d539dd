/**
 * `npm run generate`: writes the CRDs under manifests/crds from the schemas, and the
 * byte-identical copies the Helm chart ships in its crds/ (a chart cannot reach outside
 * its directory). Paths resolve against the working directory, which npm sets to the repo
 * root. manifests/install.yaml is the chart's render: see hack/build-helm.sh.
 */
import { FileSystem, Path } from "@effect/platform"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { crdFiles } from "./crdFiles.ts"

const chartCrds = "manifests/chart/stageset-controller/crds"

const generate = Effect.fn("generate")(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  for (const file of crdFiles()) {
    for (const target of [file.path, path.join(chartCrds, path.basename(file.path))]) {
      yield* fs.makeDirectory(path.dirname(target), { recursive: true })
      yield* fs.writeFileString(target, file.content)
      yield* Effect.log(`wrote ${target}`)
    }
  }
})

generate().pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
