import { Context, type Effect } from "effect"
import type { BuildFailed } from "../render/BuildFailed.ts"
import type { ManifestFile } from "../render/ManifestFile.ts"

/**
 * Runs kustomize itself (the `kustomize` binary, as Argo CD does: there is no maintained
 * kustomize for Node). Implementations: Live (the binary, in a temp dir, no network, no
 * plugins) and Unavailable (every build fails, naming why).
 */
export class Kustomize extends Context.Tag("stageset/Kustomize")<
  Kustomize,
  {
    /**
     * `kustomize build <dir>` over a tree made of `files` (paths relative to its root;
     * `dir` is `""` for the root): the multi-document YAML it prints. The caller has already
     * refused kustomizations that reach outside the tree or need the network or plugins.
     */
    readonly build: (
      files: ReadonlyArray<ManifestFile>,
      dir: string,
    ) => Effect.Effect<string, BuildFailed>
  }
>() {}
