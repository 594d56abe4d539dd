import { Effect } from "effect"
import { ArtifactServer } from "../../../layers/ArtifactFetcher.inMemory.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { FLUX_SOURCE_API_VERSION } from "../../../src/programs/resolveSource.ts"
import { sha256, tarGz } from "../../unit/layers/tarGz.ts"
import { yamlOf } from "./fixtures.ts"

export interface PublishedArtifact {
  readonly namespace: string
  readonly name: string
  readonly revision: string
}

/**
 * Publishes `objects` as an ExternalArtifact, as a producer would: a tar.gz served by the
 * scenario's ArtifactServer and the ExternalArtifact (created, or updated to the new
 * revision) with `status.artifact` and Ready=True. `sourceRef` is its back-pointer to the
 * producer (Flux RFC-0012). Needs the Flux source CRDs installed.
 */
export const publishArtifact = (input: {
  readonly namespace: string
  readonly name: string
  readonly revision: string
  readonly objects: ReadonlyArray<KubeObject>
  /** More files of the artifact, by path (a kustomization and its resources). */
  readonly files?: Readonly<Record<string, string>>
  readonly sourceRef?: Record<string, string>
}) =>
  Effect.gen(function* () {
    const url = `http://source-controller.flux-system.svc/externalartifact/${input.namespace}/${input.name}/${input.revision}.tar.gz`
    const bytes = yield* tarGz([
      ...(input.objects.length === 0
        ? []
        : [{ name: "manifests.yaml", content: yamlOf(input.objects) }]),
      ...Object.entries(input.files ?? {}).map(([name, content]) => ({ name, content })),
    ])
    yield* (yield* ArtifactServer).register(url, bytes)
    const kube = yield* KubeClient
    const key = {
      apiVersion: FLUX_SOURCE_API_VERSION,
      kind: "ExternalArtifact",
      namespace: input.namespace,
      name: input.name,
    }
    const existing = yield* kube.get(key).pipe(
      Effect.map((o): KubeObject | undefined => o),
      Effect.catchTag("KubeNotFound", () => Effect.succeed(undefined)),
    )
    const spec = input.sourceRef === undefined ? {} : { sourceRef: input.sourceRef }
    const object =
      existing === undefined
        ? yield* kube.create({
            apiVersion: key.apiVersion,
            kind: key.kind,
            metadata: { name: input.name, namespace: input.namespace },
            spec,
          })
        : yield* kube.update({ ...existing, spec })
    yield* kube.updateStatus({
      ...object,
      status: {
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "Succeeded",
            message: `stored artifact for revision ${input.revision}`,
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
        ],
        artifact: {
          url,
          revision: input.revision,
          digest: sha256(bytes),
          lastUpdateTime: "2026-01-01T00:00:00Z",
          path: `externalartifact/${input.namespace}/${input.name}/${input.revision}.tar.gz`,
        },
      },
    })
    return {
      namespace: input.namespace,
      name: input.name,
      revision: input.revision,
    } satisfies PublishedArtifact
  })
