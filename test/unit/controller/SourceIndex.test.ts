import { describe, expect, it } from "@effect/vitest"
import {
  emptySourceIndex,
  removeStageSet,
  setStageSet,
  sourceKey,
  sourceKeyOf,
  sourceKeysOf,
  sourceKeysOfEvent,
  stageSetsFor,
} from "../../../src/controller/SourceIndex.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"

const stageSet = (namespace: string, refs: ReadonlyArray<Record<string, string>>): KubeObject => ({
  apiVersion: "stages.metio.wtf/v1",
  kind: "StageSet",
  metadata: { name: "ss", namespace },
  spec: { stages: refs.map((sourceRef, i) => ({ name: `s${i}`, sourceRef })) },
})

describe("SourceIndex", () => {
  it("keys sources by group, kind, namespace (default: the StageSet's) and name", () => {
    const keys = sourceKeysOf(
      stageSet("apps", [
        { kind: "ConfigMap", name: "a" },
        { kind: "Secret", name: "b", namespace: "other" },
        { kind: "GitRepository", name: "repo" },
        { kind: "OCIRepository", name: "oci", apiVersion: "source.toolkit.fluxcd.io/v1beta2" },
        { kind: "ConfigMap", name: "a" },
      ]),
    )
    expect(keys).toEqual([
      sourceKey("v1", "ConfigMap", "apps", "a"),
      sourceKey("v1", "Secret", "other", "b"),
      sourceKey("source.toolkit.fluxcd.io/v1", "GitRepository", "apps", "repo"),
      // Another version of the same group names the same object.
      sourceKey("source.toolkit.fluxcd.io/v1", "OCIRepository", "apps", "oci"),
    ])
    const cm: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", namespace: "apps" },
    }
    expect(sourceKeyOf(cm)).toBe(keys[0])
  })

  it("keys the kubeconfig Secret of a remote cluster, so a rotated credential is noticed", () => {
    const remote: KubeObject = {
      ...stageSet("apps", [{ kind: "ConfigMap", name: "a" }]),
      spec: {
        stages: [{ name: "s0", sourceRef: { kind: "ConfigMap", name: "a" } }],
        kubeConfig: { secretRef: { name: "prod-kubeconfig", key: "config" } },
      },
    }
    expect(sourceKeysOf(remote)).toEqual([
      sourceKey("v1", "ConfigMap", "apps", "a"),
      sourceKey("v1", "Secret", "apps", "prod-kubeconfig"),
    ])
  })

  it("tolerates a StageSet that does not decode", () => {
    const broken: KubeObject = {
      apiVersion: "stages.metio.wtf/v1",
      kind: "StageSet",
      metadata: { name: "ss", namespace: "apps" },
      spec: { stages: [{ name: "x" }, "junk", { sourceRef: { kind: "ConfigMap" } }] },
    }
    expect(sourceKeysOf(broken)).toEqual([])
  })

  it("maps a source to the StageSets referencing it, following changes and deletes", () => {
    const a = sourceKey("v1", "ConfigMap", "apps", "a")
    const b = sourceKey("v1", "ConfigMap", "apps", "b")
    let index = setStageSet(emptySourceIndex, "apps/one", [a, b])
    index = setStageSet(index, "apps/two", [a])
    expect([...stageSetsFor(index, a)].sort()).toEqual(["apps/one", "apps/two"])
    index = setStageSet(index, "apps/one", [b])
    expect(stageSetsFor(index, a)).toEqual(["apps/two"])
    expect(stageSetsFor(index, b)).toEqual(["apps/one"])
    index = removeStageSet(index, "apps/two")
    expect(stageSetsFor(index, a)).toEqual([])
    expect(stageSetsFor(index, sourceKey("v1", "ConfigMap", "apps", "nobody"))).toEqual([])
  })

  it("a sourceRef without kind is an ExternalArtifact; a producer is keyed as itself", () => {
    expect(
      sourceKeysOf(
        stageSet("apps", [
          { name: "my-app" },
          { apiVersion: "jaas.metio.wtf/v1", kind: "JsonnetSnippet", name: "dash" },
        ]),
      ),
    ).toEqual([
      sourceKey("source.toolkit.fluxcd.io/v1", "ExternalArtifact", "apps", "my-app"),
      sourceKey("jaas.metio.wtf/v1", "JsonnetSnippet", "apps", "dash"),
    ])
  })

  it("a change of an ExternalArtifact concerns the readers of the producer it names", () => {
    const artifact: KubeObject = {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "ExternalArtifact",
      metadata: { name: "dash-artifact", namespace: "apps" },
      spec: {
        sourceRef: { apiVersion: "jaas.metio.wtf/v1beta1", kind: "JsonnetSnippet", name: "dash" },
      },
    }
    const producerKey = sourceKey("jaas.metio.wtf/v1", "JsonnetSnippet", "apps", "dash")
    expect(sourceKeysOfEvent(artifact)).toEqual([sourceKeyOf(artifact), producerKey])
    const index = setStageSet(emptySourceIndex, "apps/ss", [producerKey])
    expect(sourceKeysOfEvent(artifact).flatMap((key) => stageSetsFor(index, key))).toEqual([
      "apps/ss",
    ])
    // A ConfigMap, or an ExternalArtifact without a producer, concerns its own readers only.
    expect(sourceKeysOfEvent({ ...artifact, spec: {} })).toEqual([sourceKeyOf(artifact)])
  })
})
