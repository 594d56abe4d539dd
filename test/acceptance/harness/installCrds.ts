import { Effect, Schedule } from "effect"
import { allCrds } from "../../../src/crd/allCrds.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

/** Installs the generated CRDs and waits until the API server serves them. */
export const installCrds = Effect.gen(function* () {
  const kube = yield* KubeClient
  for (const crd of allCrds() as unknown as ReadonlyArray<KubeObject>) {
    yield* kube.apply(crd, { fieldManager: "acceptance-setup", force: true })
    yield* kube
      .get({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: crd.metadata.name,
      })
      .pipe(
        Effect.filterOrFail(
          (live) =>
            (
              (live.status as { conditions?: Array<{ type: string; status: string }> })
                ?.conditions ?? []
            ).some((c) => c.type === "Established" && c.status === "True"),
          () => new Error("not established yet"),
        ),
        Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo("60 seconds"))),
      )
  }
  yield* kube.invalidateDiscovery
})
