import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { API_VERSION, FINALIZER } from "../../../src/inventory/Labels.ts"
import type { KubeObject } from "../../../src/kube/KubeObject.ts"
import { installFluxCrds } from "../../cluster/fixtures/fluxCrds.ts"
import { type AcceptanceEnv, scenarioLayer } from "../harness/Env.ts"
import {
  applyAsUser,
  cmKey,
  configMap,
  createNamespace,
  getObject,
  reconcile,
  setSource,
  setStageSet,
  shardsOf,
  uniqueName,
  yamlOf,
} from "../harness/fixtures.ts"
import { publishArtifact } from "../harness/fluxArtifacts.ts"

const stageSetKey = (namespace: string, name: string) => ({
  apiVersion: API_VERSION,
  kind: "StageSet",
  namespace,
  name,
})

/** A StageSet with exactly this spec, as a user of the Go implementation writes it. */
const writeStageSet = (namespace: string, name: string, spec: Record<string, unknown>) =>
  applyAsUser({ apiVersion: API_VERSION, kind: "StageSet", metadata: { name, namespace }, spec })

interface GoStatus {
  readonly lastAttemptedRevisions?: Record<string, string>
  readonly lastAppliedRevisions?: Record<string, string>
  readonly conditions?: ReadonlyArray<{
    type: string
    status: string
    reason: string
    message: string
  }>
}

const statusOf = (namespace: string, name: string) =>
  Effect.map(getObject(stageSetKey(namespace, name)), (o) => o?.status as GoStatus | undefined)

/**
 * An artifact laid out as its docs show one: a base and a production overlay of it. The
 * base's values carry Flux's variables for postBuild to fill in.
 */
const KUSTOMIZE_TREE: Readonly<Record<string, string>> = {
  "base/kustomization.yaml": [
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    "resources:",
    "  - settings.yaml",
    "",
  ].join("\n"),
  "base/settings.yaml": [
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: web-settings",
    "data:",
    '  replicas: "2"',
    "  cluster: ${cluster_name}",
    "  region: ${region}",
    "  tier: ${tier:=standard}",
    "  literal: $${not_substituted}",
    "---",
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: web-flags",
    "data:",
    '  debug: "false"',
    "",
  ].join("\n"),
  "overlays/production/kustomization.yaml": [
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    "resources:",
    "  - ../../base",
    "labels:",
    "  - pairs:",
    "      env: production",
    "",
  ].join("\n"),
}

/** The env's kustomize for a scenario that builds kustomizations. */
const kustomizeOf = (env: AcceptanceEnv) =>
  env.kustomize === undefined ? {} : { kustomize: env.kustomize }

const reasons = (events: ReadonlyArray<{ readonly reason: string }>) => events.map((e) => e.reason)

/**
 * S25 (api.md, "Compatibility with the public Go implementation"), the parts about
 * sources, status, Events and unsupported fields. Mode-independent: run in hybrid.
 */
export const compatibility = (env: AcceptanceEnv) =>
  describe(`S25 a StageSet written for the Go implementation [${env.name}]`, () => {
    const layer = () => scenarioLayer(env.kube(), { mode: "hybrid" })

    it.live(
      "S25: as its docs write it (sourceRef without kind, a producer, dependsOn another StageSet): held until its dependencies are Ready, then Ready, its revisions in status, a Succeeded Event on the transition to Ready",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("s25")
          yield* createNamespace(ns)
          yield* installFluxCrds
          const platform = yield* publishArtifact({
            namespace: ns,
            name: "platform-manifests",
            revision: "main@sha1:1111111",
            objects: [configMap("platform-config")],
          })
          const snippet = {
            apiVersion: "jaas.metio.wtf/v1",
            kind: "JsonnetSnippet",
            name: "dashboards",
          }
          // The producer publishes an ExternalArtifact whose spec.sourceRef names it.
          const dashboards = yield* publishArtifact({
            namespace: ns,
            name: "dashboards-rendered",
            revision: "sha256:2222222",
            objects: [configMap("dashboards")],
            sourceRef: snippet,
          })
          // Its dependencies, as its docs write them: one in another namespace, one at a
          // minVersion.
          const platformNs = uniqueName("s25-platform")
          yield* createNamespace(platformNs)
          yield* setSource(platformNs, "src", { "a.yaml": yamlOf([configMap("base")]) })
          yield* setStageSet(platformNs, "platform", [{ name: "base", source: "src" }])
          yield* setSource(ns, "db-src", { "a.yaml": yamlOf([configMap("db")]) })
          yield* setStageSet(ns, "db", [{ name: "db", source: "db-src" }], {
            version: { value: "5.2.0" },
          })
          yield* writeStageSet(ns, "my-app", {
            dependsOn: [
              { name: "platform", namespace: platformNs },
              { name: "db", minVersion: "5.2.0" },
            ],
            stages: [
              { name: "platform", sourceRef: { name: "platform-manifests" } },
              { name: "dashboards", sourceRef: snippet },
            ],
          })

          // Held until both dependencies are Ready (db at 5.2.0): nothing applied.
          const waiting = yield* reconcile(ns, "my-app")
          expect(waiting.outcome).toMatchObject({
            _tag: "Failed",
            failure: {
              reason: "DependencyNotReady",
              message: `dependency ${platformNs}/platform is not Ready (not reconciled yet)`,
            },
          })
          expect(yield* getObject(cmKey(ns, "platform-config"))).toBeUndefined()
          expect((yield* reconcile(platformNs, "platform")).outcome).toEqual({ _tag: "Ready" })
          expect((yield* reconcile(ns, "db")).outcome).toEqual({ _tag: "Ready" })

          const first = yield* reconcile(ns, "my-app")
          expect(first.outcome).toEqual({ _tag: "Ready" })
          expect(first.events).toContainEqual({
            type: "Normal",
            reason: "Succeeded",
            message: "2 stages applied",
          })
          expect(yield* getObject(cmKey(ns, "platform-config"))).toBeDefined()
          expect(yield* getObject(cmKey(ns, "dashboards"))).toBeDefined()
          const revisions = {
            [`${ns}/${platform.name}`]: platform.revision,
            [`${ns}/${dashboards.name}`]: dashboards.revision,
          }
          const status = yield* statusOf(ns, "my-app")
          expect(status?.lastAttemptedRevisions).toEqual(revisions)
          expect(status?.lastAppliedRevisions).toEqual(revisions)

          // Ready again: no transition, no second Succeeded Event.
          const again = yield* reconcile(ns, "my-app")
          expect(again.outcome).toEqual({ _tag: "Ready" })
          expect(reasons(again.events)).not.toContain("Succeeded")

          // A second ExternalArtifact names the producer: which one is meant cannot be told.
          yield* publishArtifact({
            namespace: ns,
            name: "dashboards-copy",
            revision: "sha256:3333333",
            objects: [configMap("dashboards")],
            sourceRef: snippet,
          })
          const ambiguous = yield* reconcile(ns, "my-app")
          expect(ambiguous.outcome).toMatchObject({
            _tag: "Failed",
            failure: { reason: "InvalidSpec" },
          })
          // Nothing was pinned by a run that could not render: both maps stay as they were.
          const held = yield* statusOf(ns, "my-app")
          expect(held?.lastAttemptedRevisions).toEqual(revisions)
          expect(held?.lastAppliedRevisions).toEqual(revisions)

          // Fixed: Ready again, which is a transition, so Succeeded once more.
          yield* publishArtifact({
            namespace: ns,
            name: "dashboards-copy",
            revision: "sha256:3333333",
            objects: [configMap("dashboards")],
            sourceRef: { ...snippet, name: "other-snippet" },
          })
          const fixed = yield* reconcile(ns, "my-app")
          expect(fixed.outcome).toEqual({ _tag: "Ready" })
          expect(reasons(fixed.events)).toContain("Succeeded")
        }).pipe(Effect.provide(layer())),
    )

    it.live(
      "S25: a kustomization overlay with stage patches and postBuild depending on another StageSet, as its docs write it: held until that one is Ready, then built by kustomize, patched, substituted, applied",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("s25k")
          yield* createNamespace(ns)
          yield* installFluxCrds
          // The artifact's files do not name the namespace, so every run builds the same
          // tree (the in-memory world replays the real binary's build of exactly this tree).
          yield* publishArtifact({
            namespace: ns,
            name: "my-app",
            revision: "main@sha1:4444444",
            objects: [],
            files: KUSTOMIZE_TREE,
          })
          yield* applyAsUser({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "cluster-vars", namespace: ns },
            data: { region: "eu-west-1" },
          })
          // The platform it depends on, as its docs pair them.
          yield* setSource(ns, "platform-src", { "a.yaml": yamlOf([configMap("platform")]) })
          yield* writeStageSet(ns, "platform", {
            stages: [{ name: "base", sourceRef: { kind: "ConfigMap", name: "platform-src" } }],
          })
          yield* writeStageSet(ns, "my-app", {
            dependsOn: [{ name: "platform" }],
            stages: [
              {
                name: "app",
                sourceRef: { name: "my-app" },
                path: "./overlays/production",
                prune: true,
                patches: [
                  {
                    patch: '- op: replace\n  path: /data/replicas\n  value: "6"\n',
                    target: { kind: "ConfigMap", name: "web-settings" },
                  },
                  {
                    patch:
                      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\n  labels:\n    patched: strategic\n",
                  },
                ],
                postBuild: {
                  substitute: { cluster_name: "prod-eu" },
                  substituteFrom: [
                    { kind: "ConfigMap", name: "cluster-vars" },
                    { kind: "Secret", name: "cluster-secrets", optional: true },
                  ],
                },
              },
            ],
          })

          // Held until the platform is Ready: nothing built or applied before.
          expect((yield* reconcile(ns, "my-app")).outcome).toMatchObject({
            _tag: "Failed",
            failure: { reason: "DependencyNotReady" },
          })
          expect(yield* getObject(cmKey(ns, "web-settings"))).toBeUndefined()
          expect((yield* reconcile(ns, "platform")).outcome).toEqual({ _tag: "Ready" })

          const report = yield* reconcile(ns, "my-app")
          expect(report.outcome).toEqual({ _tag: "Ready" })
          const applied = yield* getObject(cmKey(ns, "web-settings"))
          expect(applied?.data).toEqual({
            replicas: "6", // the JSON 6902 patch over the base's "2"
            cluster: "prod-eu", // postBuild.substitute
            region: "eu-west-1", // substituteFrom the ConfigMap; the Secret is optional
            tier: "standard", // ${tier:=standard}: the default
            literal: "${not_substituted}", // $${...} escapes
          })
          // The overlay's label (kustomize) and the strategic merge patch's (the stage).
          expect(applied?.metadata.labels).toMatchObject({
            env: "production",
            patched: "strategic",
          })
          // The base's other object came through the overlay unchanged.
          expect((yield* getObject(cmKey(ns, "web-flags")))?.data).toEqual({ debug: "false" })
        }).pipe(Effect.provide(scenarioLayer(env.kube(), { mode: "hybrid", ...kustomizeOf(env) }))),
    )

    it.live(
      "S25: readyChecks.checks as it reads them: no apiVersion (the served one), namespace the StageSet's",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("s25r")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("app")]) })
          // Made by someone else; the stage waits for it without naming version or namespace.
          yield* applyAsUser({
            ...configMap("made-elsewhere"),
            metadata: { name: "made-elsewhere", namespace: ns },
          })
          yield* setStageSet(ns, "ss", [
            {
              name: "app",
              source: "src",
              extra: {
                readyChecks: {
                  timeout: "20s",
                  checks: [
                    { kind: "ConfigMap", name: "made-elsewhere" },
                    { kind: "Namespace", name: ns },
                  ],
                },
              },
            },
          ])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })
        }).pipe(Effect.provide(layer())),
    )

    it.live(
      "S25: errorBudget and stage actions are refused as Unsupported naming the fields, kept in the spec, nothing applied",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("s25u")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("never")]) })
          const errorBudget = {
            source: { prometheus: { address: "http://prometheus:9090", query: "slo:budget" } },
            freezeThreshold: "0.1",
          }
          yield* writeStageSet(ns, "gated", {
            errorBudget,
            stages: [
              {
                name: "app",
                sourceRef: { kind: "ConfigMap", name: "src" },
                actions: { pre: [{ name: "wait", wait: { duration: "1s" } }] },
              },
            ],
          })
          const report = yield* reconcile(ns, "gated")
          const message =
            "spec.errorBudget, spec.stages[0].actions are not supported by this controller"
          expect(report.outcome).toEqual({
            _tag: "Failed",
            failure: { reason: "Unsupported", message, stalled: true },
          })
          expect(report.events).toContainEqual({ type: "Warning", reason: "Unsupported", message })
          const status = yield* statusOf(ns, "gated")
          expect(status?.conditions).toContainEqual(
            expect.objectContaining({ type: "Ready", status: "False", reason: "Unsupported" }),
          )
          expect(status?.conditions).toContainEqual(
            expect.objectContaining({ type: "Stalled", status: "True", reason: "Unsupported" }),
          )
          // Nothing applied, nothing recorded, no finalizer to hold a delete.
          expect(yield* getObject(cmKey(ns, "never"))).toBeUndefined()
          expect(yield* shardsOf(ns, "gated")).toEqual([])
          const stored = (yield* getObject(stageSetKey(ns, "gated"))) as KubeObject
          expect(stored.metadata.finalizers ?? []).not.toContain(FINALIZER)
          // The API server kept the fields: a structural CRD would have pruned them silently.
          expect((stored.spec as { errorBudget?: unknown }).errorBudget).toEqual(errorBudget)
        }).pipe(Effect.provide(layer())),
    )

    it.live(
      "S25: a running StageSet that gains an unsupported field prunes nothing until it is removed again",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("s25p")
          yield* createNamespace(ns)
          yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("keep"), configMap("drop")]) })
          yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }])
          expect((yield* reconcile(ns, "ss")).outcome).toEqual({ _tag: "Ready" })

          yield* setSource(ns, "src", { "a.yaml": yamlOf([configMap("keep"), configMap("new")]) })
          yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }], {
            rollbackOnFailure: true,
          })
          const refused = yield* reconcile(ns, "ss")
          expect(refused.outcome).toMatchObject({
            _tag: "Failed",
            failure: {
              reason: "Unsupported",
              message: "spec.rollbackOnFailure is not supported by this controller",
            },
          })
          expect(yield* getObject(cmKey(ns, "drop"))).toBeDefined()
          expect(yield* getObject(cmKey(ns, "new"))).toBeUndefined()

          // rollbackOnFailure: false asks for what this controller always does.
          yield* setStageSet(ns, "ss", [{ name: "app", source: "src" }], {
            rollbackOnFailure: false,
          })
          const back = yield* reconcile(ns, "ss")
          expect(back.outcome).toEqual({ _tag: "Ready" })
          expect(reasons(back.events)).toContain("Succeeded")
          expect(yield* getObject(cmKey(ns, "drop"))).toBeUndefined()
          expect(yield* getObject(cmKey(ns, "new"))).toBeDefined()
        }).pipe(Effect.provide(layer())),
    )
  })
