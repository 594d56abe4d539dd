import { Args, Command, Options } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import { Console, Effect, Either, Option } from "effect"
import { formatEntryId, refOf, validateRef } from "../../inventory/EntryId.ts"
import type { KubeObject } from "../../kube/KubeObject.ts"
import { parseManifests } from "../../render/parseManifests.ts"
import { isKustomizationName, selectConfigMapFiles } from "../../render/selectManifestFiles.ts"
import { failure } from "../CliFailure.ts"
import {
  formatJson,
  formatTable,
  formatYaml,
  OUTPUT_FORMATS,
  type OutputFormat,
} from "../output.ts"

/**
 * Built-in kinds served cluster-scoped. Locally there is no discovery, so any other kind
 * counts as namespaced; a CRD's cluster-scoped kind shows with the default namespace.
 */
const clusterScopedKinds = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "PriorityClass",
  "IngressClass",
  "RuntimeClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "APIService",
  "CSIDriver",
  "VolumeAttachment",
])

/** The entry id the controller would record for `object`, or why it cannot. */
export const entryIdOf = (object: KubeObject, defaultNamespace: string): string => {
  const ref = refOf(object, !clusterScopedKinds.has(object.kind), defaultNamespace)
  const problem = validateRef(ref)
  return problem === undefined ? formatEntryId(ref) : `(not recordable: ${problem})`
}

export const buildCommand = Command.make(
  "build",
  {
    namespace: Options.text("namespace").pipe(
      Options.withAlias("n"),
      Options.withDescription(
        "The namespace namespaced objects without one land in (the StageSet's namespace). Default: default.",
      ),
      Options.withDefault("default"),
    ),
    output: Options.choice("output", OUTPUT_FORMATS).pipe(
      Options.withAlias("o"),
      Options.withDefault("yaml" as OutputFormat),
      Options.withDescription(
        "Output format: yaml (default, with entry ids as comments), table or json.",
      ),
    ),
    dir: Args.directory({ name: "dir", exists: "yes" }).pipe(
      Args.withDescription("A directory of *.yaml, *.yml and *.json manifests."),
    ),
  },
  (flags) =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const names = yield* fs
        .readDirectory(flags.dir)
        .pipe(Effect.mapError((error) => failure(`cannot read ${flags.dir}: ${error.message}`)))
      const data: Record<string, string> = {}
      for (const name of names) {
        const file = path.join(flags.dir, name)
        const info = yield* fs.stat(file).pipe(Effect.option)
        if (Option.isNone(info) || info.value.type !== "File") continue
        data[name] = yield* fs
          .readFileString(file)
          .pipe(Effect.mapError((error) => failure(`cannot read ${file}: ${error.message}`)))
      }
      const kustomization = Object.keys(data).find(isKustomizationName)
      if (kustomization !== undefined)
        return yield* failure(
          `build: ${path.join(flags.dir, kustomization)} is a kustomization; run \`kustomize build ${flags.dir}\` to see what the controller's kustomize build renders`,
        )
      // The same selection and order as a ConfigMap source: manifest names, key order.
      const rendered = Either.flatMap(selectConfigMapFiles(data), (selected) =>
        parseManifests(selected.files),
      )
      if (Either.isLeft(rendered))
        return yield* failure(`build failed: ${path.join(flags.dir, rendered.left.message)}`)
      const objects = rendered.right.map((item) => ({
        id: entryIdOf(item.object, flags.namespace),
        file: item.source.file,
        index: item.source.index,
        object: item.object,
      }))
      if (flags.output === "json") return yield* Console.log(formatJson(objects))
      if (flags.output === "table")
        return yield* Console.log(
          formatTable(
            ["ID", "APIVERSION", "KIND", "NAME", "SOURCE"],
            objects.map((o) => [
              o.id,
              o.object.apiVersion,
              o.object.kind,
              o.object.metadata.name,
              `${o.file}#${o.index}`,
            ]),
          ),
        )
      yield* Console.log(
        objects
          .map((o) => `# ${o.id} (${o.file} document ${o.index})\n${formatYaml(o.object)}`)
          .join("---\n")
          .trimEnd(),
      )
    }),
).pipe(
  Command.withDescription(
    "Render locally what a stage would apply from a directory of manifests, with the inventory entry ids.",
  ),
)
