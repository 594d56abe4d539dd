import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { API_VERSION } from "../../../src/inventory/Labels.ts"
import { KubeClient } from "../../../src/kube/KubeClient.ts"
import type { ObjectKey } from "../../../src/kube/KubeObject.ts"
import { controller } from "../harness/controller.ts"
import { startControllerLoop } from "../harness/controllerLoop.ts"
import { type AcceptanceEnv, scenarioLayer, sharedCluster } from "../harness/Env.ts"
import {
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

const stageSetKey = (namespace: string, name: string): ObjectKey => ({
  apiVersion: API_VERSION,
  kind: "StageSet",
  namespace,
  name,
})

/** The Ready condition and `status.version` of a StageSet, as stored. */
const readyOf = (namespace: string, name: string) =>
  Effect.map(getObject(stageSetKey(namespace, name)), (o) => {
    const status = o?.status as
      | {
          version?: string
          conditions?: Array<{ type: string; status: string; reason: string; message: string }>
        }
      | undefined
    return {
      ready: status?.conditions?.find((c) => c.type === "Ready"),
      stalled: status?.conditions?.find((c) => c.type === "Stalled"),
      version: status?.version,
    }
  })

/** Retries `check` (an assertion that throws) every 100 ms for up to 30 s. */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  Effect.suspend(() => check).pipe(
    Effect.catchAllDefect((defect) => Effect.fail(defect)),
    Effect.retry(Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(30)))),
  )

const held = (namespace: string, name: string, message: string) =>
  eventually(
    Effect.flatMap(readyOf(namespace, name), ({ ready }) =>
      Effect.sync(() =>
        expect(ready).toMatchObject({ status: "False", reason: "DependencyNotReady", message }),
      ),
    ),
  )

/**
 * spec.dependsOn and spec.version (api.md, "StageSets and clusters"; S25): a dependent
 * applies nothing until its dependencies are Ready (at minVersion), is woken by their
 * status, a cycle is Stalled, and status.version follows spec.version. Mode-independent:
 * run in hybrid.
 */
export const dependsOn = (env: AcceptanceEnv) =>
  describe(`spec.dependsOn and spec.version [${env.name}]`, () => {
    const options = { mode: "hybrid" } as const
    /** The services of a scenario that calls reconcile itself. */
    const controllerLayer = (env: AcceptanceEnv) => scenarioLayer(env.kube(), options)

    it.live(
      "a dependent holds DependencyNotReady and applies nothing until its dependency is Ready, then applies at once (woken by the dependency's status, not its hour-long interval)",
      () =>
        Effect.scoped(
          Effect.gen(function* () {
            const cluster = yield* sharedCluster(env)
            const inCluster = controller(cluster, options)
            const ns = uniqueName("dep")
            yield* inCluster(
              Effect.gen(function* () {
                yield* createNamespace(ns)
                yield* setSource(ns, "app-src", { "a.yaml": yamlOf([configMap("app-config")]) })
                // The database's source does not exist yet: it cannot become Ready.
                yield* setStageSet(ns, "database", [{ name: "db", source: "db-src" }], {
                  interval: "1h",
                  retryInterval: "1h",
                })
                yield* setStageSet(ns, "app", [{ name: "app", source: "app-src" }], {
                  interval: "1h",
                  retryInterval: "1h",
                  dependsOn: [{ name: "database" }],
                })
              }),
            )
            yield* startControllerLoop(cluster, options, { watchNamespaces: [ns] })
            yield* inCluster(
              Effect.gen(function* () {
                yield* held(ns, "app", `dependency ${ns}/database is not Ready (SourceNotReady)`)
                expect(yield* getObject(cmKey(ns, "app-config"))).toBeUndefined()
                expect(yield* shardsOf(ns, "app")).toEqual([])

                // The dependency's source appears: it turns Ready, and that wakes the app.
                yield* setSource(ns, "db-src", { "a.yaml": yamlOf([configMap("db-config")]) })
                yield* eventually(
                  Effect.flatMap(readyOf(ns, "app"), ({ ready }) =>
                    Effect.sync(() => expect(ready).toMatchObject({ status: "True" })),
                  ),
                )
                expect(yield* getObject(cmKey(ns, "app-config"))).toBeDefined()
              }),
            )
          }),
        ),
    )

    it.live(
      "minVersion holds the dependent until the dependency is Ready at that version; a spec change not rolled out yet holds it too",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("depv")
          yield* createNamespace(ns)
          yield* setSource(ns, "db-src", { "a.yaml": yamlOf([configMap("db-config")]) })
          yield* setSource(ns, "app-src", { "a.yaml": yamlOf([configMap("app-config")]) })
          const database = (value: string) =>
            setStageSet(ns, "database", [{ name: "db", source: "db-src" }], { version: { value } })
          yield* database("5.1.0")
          yield* setStageSet(ns, "app", [{ name: "app", source: "app-src" }], {
            dependsOn: [{ name: "database", minVersion: "5.2" }],
          })
          expect((yield* reconcile(ns, "database")).outcome).toEqual({ _tag: "Ready" })
          expect((yield* readyOf(ns, "database")).version).toBe("5.1.0")

          const waiting = yield* reconcile(ns, "app")
          const message = `dependency ${ns}/database is at version 5.1.0, need >= 5.2`
          expect(waiting.outcome).toEqual({
            _tag: "Failed",
            failure: { reason: "DependencyNotReady", message, stalled: false },
          })
          expect(waiting.events).toContainEqual({
            type: "Normal",
            reason: "DependencyNotReady",
            message,
          })
          expect(yield* getObject(cmKey(ns, "app-config"))).toBeUndefined()

          // Raised in the spec but not rolled out yet: still held, for the generation.
          yield* database("5.2.0")
          expect((yield* reconcile(ns, "app")).outcome).toMatchObject({
            failure: { reason: "DependencyNotReady" },
          })
          expect((yield* readyOf(ns, "app")).ready?.message).toContain(
            "has not rolled out its generation",
          )
          expect(yield* getObject(cmKey(ns, "app-config"))).toBeUndefined()

          expect((yield* reconcile(ns, "database")).outcome).toEqual({ _tag: "Ready" })
          expect((yield* readyOf(ns, "database")).version).toBe("5.2.0")
          expect((yield* reconcile(ns, "app")).outcome).toEqual({ _tag: "Ready" })
          expect(yield* getObject(cmKey(ns, "app-config"))).toBeDefined()

          // A minVersion that is no version is refused as InvalidSpec, naming the field.
          yield* setStageSet(ns, "app", [{ name: "app", source: "app-src" }], {
            dependsOn: [{ name: "database", minVersion: "latest" }],
          })
          expect((yield* reconcile(ns, "app")).outcome).toMatchObject({
            failure: {
              reason: "InvalidSpec",
              message: `spec.dependsOn[0].minVersion: "latest" (dependency ${ns}/database) is not a semantic version`,
            },
          })
        }).pipe(Effect.provide(controllerLayer(env))),
    )

    it.live(
      "a cycle through dependsOn, across namespaces, is Stalled and applies nothing; a deletion is not held by dependsOn",
      () =>
        Effect.gen(function* () {
          const a = uniqueName("cyca")
          const b = uniqueName("cycb")
          yield* createNamespace(a)
          yield* createNamespace(b)
          yield* setSource(a, "src", { "a.yaml": yamlOf([configMap("a-config")]) })
          yield* setSource(b, "src", { "a.yaml": yamlOf([configMap("b-config")]) })
          yield* setStageSet(a, "front", [{ name: "s", source: "src" }], {
            dependsOn: [{ name: "back", namespace: b }],
          })
          yield* setStageSet(b, "back", [{ name: "s", source: "src" }], {
            dependsOn: [{ name: "front", namespace: a }],
          })
          const message = `spec.dependsOn forms a cycle: ${a}/front -> ${b}/back -> ${a}/front`
          expect((yield* reconcile(a, "front")).outcome).toEqual({
            _tag: "Failed",
            failure: { reason: "DependencyCycle", message, stalled: true },
          })
          const status = yield* readyOf(a, "front")
          expect(status.ready).toMatchObject({
            status: "False",
            reason: "DependencyCycle",
            message,
          })
          expect(status.stalled).toMatchObject({ status: "True", reason: "DependencyCycle" })
          expect(yield* getObject(cmKey(a, "a-config"))).toBeUndefined()

          // The cycle broken: back no longer depends on front; it rolls out, then front does.
          yield* setStageSet(b, "back", [{ name: "s", source: "src" }])
          expect((yield* reconcile(b, "back")).outcome).toEqual({ _tag: "Ready" })
          expect((yield* reconcile(a, "front")).outcome).toEqual({ _tag: "Ready" })
          expect(yield* getObject(cmKey(a, "a-config"))).toBeDefined()

          // back turns not Ready; deleting front still tears it down at once.
          yield* setStageSet(b, "back", [{ name: "s", source: "missing" }])
          expect((yield* reconcile(b, "back")).outcome).toMatchObject({ _tag: "Failed" })
          const kube = yield* KubeClient
          yield* kube.delete(stageSetKey(a, "front"))
          let outcome = (yield* reconcile(a, "front")).outcome._tag
          for (let i = 0; i < 5 && outcome !== "Deleted" && outcome !== "NotFound"; i++)
            outcome = (yield* reconcile(a, "front")).outcome._tag
          expect(yield* getObject(cmKey(a, "a-config"))).toBeUndefined()
          expect(yield* getObject(stageSetKey(a, "front"))).toBeUndefined()
        }).pipe(Effect.provide(controllerLayer(env))),
    )

    it.live(
      "--no-cross-namespace-refs refuses a dependency in another namespace (its meaning in the Go implementation), naming the field; one in the same namespace still holds and wakes",
      () =>
        Effect.gen(function* () {
          const platform = uniqueName("xns-platform")
          const apps = uniqueName("xns-apps")
          yield* createNamespace(platform)
          yield* createNamespace(apps)
          yield* setSource(platform, "src", { "a.yaml": yamlOf([configMap("base")]) })
          yield* setSource(apps, "src", { "a.yaml": yamlOf([configMap("web")]) })
          yield* setStageSet(platform, "platform", [{ name: "s", source: "src" }])
          yield* setStageSet(apps, "web", [{ name: "s", source: "src" }], {
            dependsOn: [{ name: "platform", namespace: platform }],
          })
          expect((yield* reconcile(platform, "platform")).outcome).toEqual({ _tag: "Ready" })
          // Ready or not, the dependency is in another namespace: refused, nothing applied.
          expect((yield* reconcile(apps, "web")).outcome).toMatchObject({
            failure: {
              reason: "InvalidSpec",
              stalled: true,
              message: `spec.dependsOn[0].namespace: ${platform} is not the StageSet's namespace ${apps}, and --no-cross-namespace-refs is set`,
            },
          })
          expect(yield* getObject(cmKey(apps, "web"))).toBeUndefined()

          // The same dependency named in the StageSet's own namespace is allowed.
          yield* setSource(apps, "base-src", { "a.yaml": yamlOf([configMap("base")]) })
          yield* setStageSet(apps, "base", [{ name: "s", source: "base-src" }])
          yield* setStageSet(apps, "web", [{ name: "s", source: "src" }], {
            dependsOn: [{ name: "base" }],
          })
          expect((yield* reconcile(apps, "web")).outcome).toMatchObject({
            failure: { reason: "DependencyNotReady" },
          })
          expect((yield* reconcile(apps, "base")).outcome).toEqual({ _tag: "Ready" })
          expect((yield* reconcile(apps, "web")).outcome).toEqual({ _tag: "Ready" })
          expect(yield* getObject(cmKey(apps, "web"))).toBeDefined()
        }).pipe(
          Effect.provide(
            scenarioLayer(env.kube(), { ...options, config: { noCrossNamespaceRefs: true } }),
          ),
        ),
    )

    it.live(
      "status.version from fromArtifact and fromObject; a lower version is refused (DowngradeNotAllowed, nothing applied) until allowDowngrade",
      () =>
        Effect.gen(function* () {
          const ns = uniqueName("ver")
          yield* createNamespace(ns)
          const labelled = (name: string, version: string) =>
            configMap(name, { key: name }, { labels: { "app.kubernetes.io/version": version } })
          yield* setSource(ns, "src", {
            VERSION: "3.2.1\n",
            "a.yaml": yamlOf([labelled("web", "7.0.1")]),
          })
          const stages = [{ name: "app", source: "src" }]
          yield* setStageSet(ns, "files", stages, {
            version: { fromArtifact: { stage: "app", path: "VERSION" } },
          })
          expect((yield* reconcile(ns, "files")).outcome).toEqual({ _tag: "Ready" })
          expect((yield* readyOf(ns, "files")).version).toBe("3.2.1")

          // Another StageSet, another source: an object belongs to one StageSet only.
          yield* setSource(ns, "src2", { "a.yaml": yamlOf([labelled("api", "7.0.1")]) })
          yield* setStageSet(ns, "objects", [{ name: "app", source: "src2" }], {
            version: {
              fromObject: {
                kind: "ConfigMap",
                name: "api",
                fieldPath: "{.metadata.labels.app\\.kubernetes\\.io/version}",
              },
            },
          })
          expect((yield* reconcile(ns, "objects")).outcome).toEqual({ _tag: "Ready" })
          expect((yield* readyOf(ns, "objects")).version).toBe("7.0.1")

          // The source steps back to 3.0.0 and adds an object: refused, nothing applied.
          yield* setSource(ns, "src", {
            VERSION: "3.0.0",
            "a.yaml": yamlOf([labelled("web", "7.0.1"), configMap("added")]),
          })
          const refused = yield* reconcile(ns, "files")
          expect(refused.outcome).toEqual({
            _tag: "Failed",
            failure: {
              reason: "DowngradeNotAllowed",
              message:
                "desired version 3.0.0 is below the deployed version 3.2.1 and downgrades are not enabled; set spec.version.allowDowngrade to roll it out",
              stalled: true,
            },
          })
          expect(yield* getObject(cmKey(ns, "added"))).toBeUndefined()
          expect((yield* readyOf(ns, "files")).version).toBe("3.2.1")

          yield* setStageSet(ns, "files", stages, {
            version: { fromArtifact: { stage: "app", path: "VERSION" }, allowDowngrade: true },
          })
          expect((yield* reconcile(ns, "files")).outcome).toEqual({ _tag: "Ready" })
          expect((yield* readyOf(ns, "files")).version).toBe("3.0.0")
          expect(yield* getObject(cmKey(ns, "added"))).toBeDefined()

          // A version file that is no version: InvalidVersion, the version kept.
          yield* setSource(ns, "src", {
            VERSION: "next",
            "a.yaml": yamlOf([labelled("web", "7.0.1")]),
          })
          expect((yield* reconcile(ns, "files")).outcome).toMatchObject({
            failure: { reason: "InvalidVersion", stalled: true },
          })
          expect(yield* getObject(cmKey(ns, "added"))).toBeDefined()
          expect((yield* readyOf(ns, "files")).version).toBe("3.0.0")
          // approvalMode other than Never is still refused: there is no approval gate.
          yield* setStageSet(ns, "files", stages, {
            version: { value: "3.0.0", approvalMode: "Always" },
          })
          expect((yield* reconcile(ns, "files")).outcome).toMatchObject({
            failure: {
              reason: "Unsupported",
              message: "spec.version.approvalMode is not supported by this controller",
            },
          })
        }).pipe(Effect.provide(controllerLayer(env))),
    )
  })
